import { z } from 'zod';
import { defineEvent, EpochMs, PlatformId, Text } from './envelope.js';

export const Channel = z.enum(['direct', 'comment']);
export type Channel = z.infer<typeof Channel>;

export const Direction = z.enum(['inbound', 'outbound']);
export type Direction = z.infer<typeof Direction>;

export const MessageType = z.enum(['text', 'image', 'video', 'file', 'sticker', 'other']);
export type MessageType = z.infer<typeof MessageType>;

const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A platform user as the worker saw them; only `platform_user_id` is always known. */
export const Sender = z.object({
  platform_user_id: PlatformId,
  name: Text(256).optional(),
  avatar: Text(2048).optional(),
  signature: Text(1024).optional(),
  follower_count: Count.optional(),
  following_count: Count.optional(),
  video_count: Count.optional(),
  is_verified: z.boolean().optional(),
});
export type Sender = z.infer<typeof Sender>;

const capturedPayload = z.object({
  platform_message_id: PlatformId,
  channel: Channel,
  /** The DM thread id, or for comments the video id. */
  conversation_id: PlatformId,
  direction: Direction,
  sender: Sender,
  content: Text(65_536),
  message_type: MessageType,
  created_at: EpochMs,
  reply_to: PlatformId.optional(),
});

/**
 * Version 1 of `MessageCaptured`, as older workers published it. Still read from the log:
 * `upcast` turns it into the current version (see `src/events/index.ts`).
 */
export const MessageCapturedV1 = defineEvent('MessageCaptured', 1, capturedPayload);
export type MessageCapturedV1 = z.infer<typeof MessageCapturedV1>;

/**
 * A direct message or comment a worker captured. Version 2 names the worker that captured it
 * (`captured_by`), so an auditor can tell which crawler reported what; `null` when it is not
 * known (every version-1 event, upcast).
 *
 * @example
 * {
 *   event_id: 'w7-20251022-000123', type: 'MessageCaptured', schema_version: 2,
 *   account_id: 'dy_10001', occurred_at: 1761100000000, captured_at: 1761100003000,
 *   payload: {
 *     platform_message_id: '7291', channel: 'direct', conversation_id: 'conv_88',
 *     direction: 'inbound', sender: { platform_user_id: 'u_5', name: '小红' },
 *     content: '你好，请问还有货吗？', message_type: 'text', created_at: 1761100000000,
 *     captured_by: 'worker-7',
 *   },
 * }
 */
export const MessageCapturedV2 = defineEvent(
  'MessageCaptured',
  2,
  capturedPayload.extend({
    /** The worker (crawler instance) that captured it; null when not known (version 1). */
    captured_by: PlatformId.max(128).nullable(),
  }),
);
export type MessageCaptured = z.infer<typeof MessageCapturedV2>;

/** Version 1 → 2: the capturing worker was not recorded. */
export function upcastMessageCapturedV1(event: Record<string, unknown>): Record<string, unknown> {
  const payload = event.payload;
  // bytes from the log are untrusted: a payload that is not an object is left for validation to name
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ...event, schema_version: 2 };
  }
  return { ...event, schema_version: 2, payload: { ...payload, captured_by: null } };
}
