import * as crypto from 'node:crypto';
import type { Channel } from './message-captured.js';

/** One-shot hashing (Node 20.12+) is several times faster than a Hash object for short input. */
const sha256: (input: string) => string =
  typeof crypto.hash === 'function'
    ? (input) => crypto.hash('sha256', input, 'base64url')
    : (input) => crypto.createHash('sha256').update(input).digest('base64url');

function digest(kind: string, parts: readonly string[]): string {
  let input = kind;
  for (const p of parts) input += `\u0000${p}`;
  return sha256(input).slice(0, 22);
}

/**
 * The hub's id of a message: a pure function of its identity `(account_id,
 * platform_message_id)`, so every replay of the log (and every worker) derives the same id.
 *
 * @example messageId('dy_10001', '7291') // 'm_…' (24 characters)
 */
export function messageId(accountId: string, platformMessageId: string): string {
  return `m_${digest('message', [accountId, platformMessageId])}`;
}

/**
 * The hub's id of a conversation: a DM thread or the comments under one video of one
 * monitored account. Channel is part of the identity because a DM thread id and a video id
 * are different namespaces on the platform.
 */
export function conversationId(accountId: string, channel: Channel, platformConversationId: string): string {
  return `c_${digest('conversation', [accountId, channel, platformConversationId])}`;
}

/**
 * The hub's id of a reply: a pure function of the account and the client's idempotency key,
 * so the same request sent twice names the same reply (and the same `event_id`).
 *
 * @example replyId('dy_10001', 'crm-7f2c') // 'r_…' (24 characters)
 */
export function replyId(accountId: string, idempotencyKey: string): string {
  return `r_${digest('reply', [accountId, idempotencyKey])}`;
}
