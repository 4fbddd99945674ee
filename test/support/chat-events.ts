import { conversationId, type HubEvent } from '../../src/events/index.js';

/** What happens in a test chat: message `msg` lives in conversation `会话<msg % 3>`. */
export type ChatOp =
  | { kind: 'capture'; msg: number; inbound?: boolean }
  | { kind: 'edit'; msg: number }
  | { kind: 'recall'; msg: number }
  | { kind: 'read'; conv: number };

export const convOf = (msg: number) => `会话${msg % 3}`;
export const pmid = (msg: number) => `消息-${msg}`;

export interface ChatTexts {
  capture(msg: number): string;
  /** `n` counts the events built, so repeated edits differ. */
  edit(msg: number, n: number): string;
}

const T0 = 1_760_000_000_000;

/**
 * A builder of valid events for chat scenarios: each call is one second after the last, with
 * an event id `<prefix>-<n>` (visible ASCII, as the contract asks) and Chinese text.
 */
export function chatEvents(
  prefix: string,
  texts: ChatTexts = { capture: (msg) => `你好，第${msg}条消息`, edit: (_, n) => `改过了：${n}` },
) {
  let n = 0;
  return (account: string, op: ChatOp): HubEvent => {
    const at = T0 + ++n * 1000;
    const base = {
      event_id: `${prefix}-${n}`,
      schema_version: 1 as const,
      account_id: account,
      occurred_at: at,
      captured_at: at,
    };
    switch (op.kind) {
      case 'capture': {
        const inbound = op.inbound ?? true;
        return {
          ...base,
          type: 'MessageCaptured',
          schema_version: 2,
          payload: {
            platform_message_id: pmid(op.msg),
            channel: 'direct',
            conversation_id: convOf(op.msg),
            direction: inbound ? 'inbound' : 'outbound',
            sender: inbound
              ? { platform_user_id: `粉丝_${op.msg % 3}`, name: `粉丝${op.msg % 3}号` }
              : { platform_user_id: account },
            content: texts.capture(op.msg),
            message_type: 'text',
            created_at: at,
            captured_by: null,
          },
        };
      }
      case 'edit':
        return {
          ...base,
          type: 'MessageEdited',
          payload: {
            platform_message_id: pmid(op.msg),
            conversation_id: convOf(op.msg),
            new_content: texts.edit(op.msg, n),
            edited_at: at,
            edited_by: account,
          },
        };
      case 'recall':
        return {
          ...base,
          type: 'MessageRecalled',
          payload: {
            platform_message_id: pmid(op.msg),
            conversation_id: convOf(op.msg),
            recalled_at: at,
            recalled_by: account,
          },
        };
      case 'read':
        return {
          ...base,
          type: 'MessagesMarkedRead',
          payload: { conversation_id: conversationId(account, 'direct', `会话${op.conv}`), read_at: at },
        };
    }
  };
}
