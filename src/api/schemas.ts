import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Channel, Direction, MessageType, PlatformId } from '../events/index.js';

/** A monitored account id in a query or body. */
export const AccountIdParam = PlatformId.describe('a monitored account: its platform id, e.g. dy_10001');
/** Hub ids are derived from platform identities (see `src/events/ids.ts`). */
export const MessageIdParam = z
  .string()
  .regex(/^m_[A-Za-z0-9_-]{22}$/, 'must be a message id (m_ and 22 characters)')
  .describe('a message id (m_…) as the API returns it');
export const ConversationIdParam = z
  .string()
  .regex(/^c_[A-Za-z0-9_-]{22}$/, 'must be a conversation id (c_ and 22 characters)')
  .describe('a conversation id (c_…) as the API returns it');

/** Query booleans arrive as strings. */
export const QueryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .describe('true or false (1 or 0)');

export const Limit = (def: number, max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(def)
    .describe(`how many at most (1–${max}, default ${def})`);
export const Offset = z.coerce
  .number()
  .int()
  .min(0)
  .max(1_000_000)
  .default(0)
  .describe('how many to skip (for the next page: offset + limit)');

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      field: z.string().optional(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');

export const MessageSchema = z
  .object({
    id: z.string(),
    account_id: z.string(),
    conversation_id: z.string(),
    platform_message_id: z.string(),
    platform_conversation_id: z.string(),
    channel: Channel,
    direction: Direction,
    sender_id: z.string(),
    sender_name: z.string().nullable(),
    sender_avatar: z.string().nullable(),
    content: z.string(),
    type: MessageType,
    reply_to: z.string().nullable(),
    created_at: z.number().int(),
    captured_at: z.number().int(),
    edited: z.boolean(),
    edited_at: z.number().int().nullable(),
    recalled: z.boolean(),
    recalled_at: z.number().int().nullable(),
    version: z.number().int(),
  })
  .openapi('Message');
export type MessageJson = z.infer<typeof MessageSchema>;

export const RecallSchema = z
  .object({
    seq: z.number().int().describe('the sequence of the recall that stands (the first one)'),
    recalled_at: z.number().int(),
    recalled_by: z.string(),
  })
  .openapi('Recall');

export const ConversationSchema = z
  .object({
    id: z.string(),
    account_id: z.string(),
    platform_conversation_id: z.string(),
    channel: Channel,
    friend_id: z.string().nullable(),
    friend_name: z.string().nullable(),
    friend_avatar: z.string().nullable(),
    last_message_id: z.string().nullable(),
    last_message: z.string().nullable(),
    last_message_time: z.number().int().nullable(),
    message_count: z.number().int(),
    unread_count: z.number().int(),
    created_at: z.number().int(),
    version: z.number().int(),
    is_pinned: z.boolean(),
    is_archived: z.boolean(),
    is_blocked: z.boolean(),
    tags: z.array(z.string()),
    mute_until: z.number().int().nullable(),
  })
  .openapi('Conversation');
export type ConversationJson = z.infer<typeof ConversationSchema>;

/**
 * A 200 whose JSON body is already text (built by Postgres, or read from the log), sent as it
 * is. The route's declared schema still documents it; the cast is because the typed handler
 * expects `c.json`.
 */
export const jsonText = (c: Context, text: string | Uint8Array<ArrayBuffer>) =>
  c.body(text, 200, { 'content-type': 'application/json; charset=utf-8' }) as never;

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const errorResponses = {
  400: jsonContent(ErrorSchema, 'Invalid input: the body names the field'),
  404: jsonContent(ErrorSchema, 'Not found'),
} as const;
