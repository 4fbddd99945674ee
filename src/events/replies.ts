import { z } from 'zod';
import { defineEvent, EpochMs, PlatformId, Text } from './envelope.js';
import { Channel } from './message-captured.js';

/** A reply as clients address it: the hub id (`replyId()`), `r_` and 22 characters. */
export const ReplyRef = z
  .string()
  .regex(/^r_[A-Za-z0-9_-]{22}$/, 'must be a reply id (r_ and 22 characters)');

/** The client's `Idempotency-Key`: printable ASCII (it travels as an HTTP header). */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');

const Attempts = z.number().int().min(1).max(1_000_000);

/**
 * An operator asks the account's worker to send a reply. The hub appends it with
 * `event_id` = `reply_id`, a function of the account and the client's idempotency key, so
 * the same request twice is one reply. Workers receive it from their account's
 * `ReplyRequested` subject (see `createReplyWorker`) and answer with `ReplySucceeded` or
 * `ReplyFailed`; still pending at `expires_at`, the hub appends `ReplyExpired`.
 *
 * @example
 * {
 *   event_id: 'r_3vJ…', type: 'ReplyRequested', schema_version: 1, account_id: 'dy_10001',
 *   occurred_at: 1761100000000, captured_at: 1761100000000, actor: 'ops_wang',
 *   payload: {
 *     reply_id: 'r_3vJ…', idempotency_key: 'crm-7f2c', channel: 'direct', conversation_id: 'conv_88',
 *     content: '亲，今天下单明天发货', requested_at: 1761100000000, expires_at: 1761100300000,
 *   },
 * }
 */
export const ReplyRequestedV1 = defineEvent(
  'ReplyRequested',
  1,
  z.object({
    reply_id: ReplyRef,
    idempotency_key: IdempotencyKey,
    /** `direct`: a DM in the thread `conversation_id`; `comment`: a comment under the video `conversation_id`. */
    channel: Channel,
    /** The platform's DM thread id, or for comments the video id (as in `MessageCaptured`). */
    conversation_id: PlatformId,
    /** The platform id of the comment replied to, for a reply under a comment. */
    reply_to: PlatformId.optional(),
    content: Text(65_536).min(1),
    requested_at: EpochMs,
    /** After this time the reply is no longer wanted: workers skip it and the hub expires it. */
    expires_at: EpochMs,
  }),
);
export type ReplyRequested = z.infer<typeof ReplyRequestedV1>;

/** The worker sent the reply; `platform_message_id` is the sent message's id on the platform. */
export const ReplySucceededV1 = defineEvent(
  'ReplySucceeded',
  1,
  z.object({
    reply_id: ReplyRef,
    platform_message_id: PlatformId,
    sent_at: EpochMs,
    /** Deliveries of the request this worker saw, this one included. */
    attempts: Attempts,
  }),
);
export type ReplySucceeded = z.infer<typeof ReplySucceededV1>;

/** The worker gave up on the reply. */
export const ReplyFailedV1 = defineEvent(
  'ReplyFailed',
  1,
  z.object({
    reply_id: ReplyRef,
    reason: Text(2048).min(1),
    failed_at: EpochMs,
    attempts: Attempts,
  }),
);
export type ReplyFailed = z.infer<typeof ReplyFailedV1>;

/**
 * The hub stopped waiting: the reply was still pending at its `expires_at`. Appended by the
 * hub's sweeper with `event_id` `<reply_id>-expired`; `expired_at` is the sweeper's time.
 */
export const ReplyExpiredV1 = defineEvent(
  'ReplyExpired',
  1,
  z.object({ reply_id: ReplyRef, expired_at: EpochMs }),
);
export type ReplyExpired = z.infer<typeof ReplyExpiredV1>;
