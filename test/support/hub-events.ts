import { createHash } from 'node:crypto';
import {
  type Channel,
  HUB_ACCOUNT,
  type HubEvent,
  type KeyScope,
  type Role,
  replyId,
} from '../../src/events/index.js';

/**
 * Builders of valid account and reply events for tests: each gets an event id
 * `<prefix>-<n>` unless it has a natural one (a request's is its reply id).
 */
export function hubEvents(prefix: string) {
  let n = 0;
  const base = (account: string, at: number, actor?: string) => ({
    event_id: `${prefix}-${++n}`,
    schema_version: 1 as const,
    account_id: account,
    occurred_at: at,
    captured_at: at,
    ...(actor ? { actor } : {}),
  });
  return {
    registered(
      account: string,
      at: number,
      p: Partial<{ display_name: string; platform: string; status: 'active' | 'paused' | 'disabled' }> & {
        notes?: string | null;
      } = {},
    ): HubEvent {
      return {
        ...base(account, at, 'ops_wang'),
        type: 'AccountRegistered',
        payload: {
          display_name: p.display_name ?? `店铺${account}`,
          platform: p.platform ?? 'douyin',
          status: p.status ?? 'active',
          notes: p.notes ?? null,
        },
      };
    },
    updated(
      account: string,
      at: number,
      payload: Extract<HubEvent, { type: 'AccountUpdated' }>['payload'],
    ): HubEvent {
      return { ...base(account, at, 'ops_li'), type: 'AccountUpdated', payload };
    },
    removed(account: string, at: number): HubEvent {
      return { ...base(account, at, 'ops_li'), type: 'AccountRemoved', payload: {} };
    },
    requested(
      account: string,
      key: string,
      at: number,
      o: Partial<{
        channel: Channel;
        conv: string;
        replyTo: string;
        content: string;
        timeoutMs: number;
      }> = {},
    ): HubEvent {
      const id = replyId(account, key);
      return {
        ...base(account, at, 'ops_wang'),
        event_id: id,
        type: 'ReplyRequested',
        payload: {
          reply_id: id,
          idempotency_key: key,
          channel: o.channel ?? 'direct',
          conversation_id: o.conv ?? '私信_小美',
          ...(o.replyTo ? { reply_to: o.replyTo } : {}),
          content: o.content ?? '亲，今天下单明天发货',
          requested_at: at,
          expires_at: at + (o.timeoutMs ?? 60_000),
        },
      };
    },
    succeeded(account: string, key: string, at: number, platformMessageId: string, attempts = 1): HubEvent {
      return {
        ...base(account, at),
        type: 'ReplySucceeded',
        payload: {
          reply_id: replyId(account, key),
          platform_message_id: platformMessageId,
          sent_at: at,
          attempts,
        },
      };
    },
    failed(account: string, key: string, at: number, reason: string, attempts = 1): HubEvent {
      return {
        ...base(account, at),
        type: 'ReplyFailed',
        payload: { reply_id: replyId(account, key), reason, failed_at: at, attempts },
      };
    },
    expired(account: string, key: string, at: number): HubEvent {
      return {
        ...base(account, at),
        type: 'ReplyExpired',
        payload: { reply_id: replyId(account, key), expired_at: at },
      };
    },
    /** An API key (its secret is `secret-<keyId>`), as `keys create` appends it. */
    keyCreated(keyId: string, at: number, role: Role = 'reader', accounts: KeyScope = 'all'): HubEvent {
      return {
        ...base(HUB_ACCOUNT, at, 'cli:root'),
        account_id: HUB_ACCOUNT,
        type: 'ApiKeyCreated',
        payload: {
          key_id: keyId,
          name: `key ${keyId}`,
          role,
          accounts,
          secret_sha256: createHash('sha256').update(`secret-${keyId}`).digest('hex'),
          created_at: at,
        },
      };
    },
    keyRevoked(keyId: string, at: number): HubEvent {
      return {
        ...base(HUB_ACCOUNT, at, 'cli:root'),
        account_id: HUB_ACCOUNT,
        type: 'ApiKeyRevoked',
        payload: { key_id: keyId, revoked_at: at },
      };
    },
  };
}
