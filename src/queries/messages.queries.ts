import { and, asc, desc, eq, isNotNull, type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { messageEdits, messages, users } from '../db/schema.js';
import type { Channel } from '../events/index.js';

export interface MessageFilter {
  conversationId?: string;
  accountId?: string;
  channel?: Channel;
  includeRecalled?: boolean;
  /** Keyset position: messages strictly older than this one. */
  before?: { createdAt: number; seq: number };
  limit: number;
}

export const messageColumns = {
  id: messages.id,
  account_id: messages.accountId,
  conversation_id: messages.conversationId,
  platform_message_id: messages.platformMessageId,
  platform_conversation_id: messages.platformConversationId,
  channel: messages.channel,
  direction: messages.direction,
  sender_id: messages.senderId,
  sender_name: users.name,
  sender_avatar: users.avatar,
  content: messages.content,
  type: messages.messageType,
  reply_to: messages.replyTo,
  created_at: messages.createdAt,
  captured_at: messages.capturedAt,
  edited: messages.edited,
  edited_at: messages.editedAt,
  recalled: messages.recalled,
  recalled_at: messages.recalledAt,
  version: messages.version,
  capture_seq: messages.captureSeq,
};

export type MessageRowJson = {
  [K in keyof typeof messageColumns]:
    | (typeof messageColumns)[K]['_']['data']
    | ((typeof messageColumns)[K]['_']['notNull'] extends true ? never : null);
};

/** A captured message as the API shows it (captured rows have every column filled). */
export function messageJson({ capture_seq: _, ...r }: MessageRowJson) {
  return {
    ...r,
    conversation_id: r.conversation_id!,
    channel: r.channel as Channel,
    direction: r.direction as 'inbound' | 'outbound',
    sender_id: r.sender_id!,
    content: r.content ?? '',
    type: r.type as 'text',
    created_at: r.created_at!,
    captured_at: r.captured_at!,
  };
}

export function visible(includeRecalled: boolean | undefined): SQL[] {
  const where: SQL[] = [isNotNull(messages.captureSeq)];
  if (!includeRecalled) where.push(eq(messages.recalled, false));
  return where;
}

/** Newest first, keyset-paginated by (created_at, capture sequence). */
export async function listMessages(db: Drizzle, f: MessageFilter) {
  const where = visible(f.includeRecalled);
  if (f.conversationId) where.push(eq(messages.conversationId, f.conversationId));
  if (f.accountId) where.push(eq(messages.accountId, f.accountId));
  if (f.channel) where.push(eq(messages.channel, f.channel));
  if (f.before)
    where.push(
      sql`(${messages.createdAt}, ${messages.captureSeq}) < (${f.before.createdAt}, ${f.before.seq})`,
    );
  const rows = await db
    .select(messageColumns)
    .from(messages)
    .leftJoin(users, eq(users.platformUserId, messages.senderId))
    .where(and(...where))
    .orderBy(desc(messages.createdAt), desc(messages.captureSeq))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  const hasMore = rows.length > f.limit;
  return {
    messages: page.map(messageJson),
    has_more: hasMore,
    next_before: hasMore && last ? `${last.created_at}_${last.capture_seq}` : null,
  };
}

export async function getMessage(db: Drizzle, id: string, includeRecalled = false) {
  const [row] = await db
    .select(messageColumns)
    .from(messages)
    .leftJoin(users, eq(users.platformUserId, messages.senderId))
    .where(and(eq(messages.id, id), ...visible(includeRecalled)));
  return row ? messageJson(row) : null;
}

/** A captured message in any state, with what an action on it needs; null when never captured. */
export async function getMessageForAction(db: Drizzle, id: string) {
  const [row] = await db
    .select({
      accountId: messages.accountId,
      platformMessageId: messages.platformMessageId,
      platformConversationId: messages.platformConversationId,
      channel: messages.channel,
      direction: messages.direction,
      recalled: messages.recalled,
    })
    .from(messages)
    .where(and(eq(messages.id, id), isNotNull(messages.captureSeq)));
  return row ?? null;
}

/** Who recalled a message, when, and at which sequence; null while it is not recalled. */
export async function getRecall(db: Drizzle, id: string) {
  const [row] = await db
    .select({ seq: messages.recallSeq, recalled_at: messages.recalledAt, recalled_by: messages.recalledBy })
    .from(messages)
    .where(and(eq(messages.id, id), eq(messages.recalled, true)));
  return row ? { seq: row.seq!, recalled_at: row.recalled_at!, recalled_by: row.recalled_by! } : null;
}

/**
 * Every version of a message, oldest first: the content it was captured with, then each edit
 * by `edited_at`, then sequence (so the last is the current content, the newest edit winning
 * as in the projection). The original's content is null only for a message edited before the
 * read models kept originals (a rebuild fills it).
 */
export async function getMessageHistory(db: Drizzle, id: string, includeRecalled = false) {
  const [row] = await db
    .select({
      ...messageColumns,
      original_content: messages.originalContent,
      recalled_by: messages.recalledBy,
      recall_seq: messages.recallSeq,
    })
    .from(messages)
    .leftJoin(users, eq(users.platformUserId, messages.senderId))
    .where(and(eq(messages.id, id), ...visible(includeRecalled)));
  if (!row) return null;
  const edits = await db
    .select()
    .from(messageEdits)
    .where(eq(messageEdits.messageId, id))
    .orderBy(asc(messageEdits.editedAt), asc(messageEdits.seq));
  const { original_content, recalled_by, recall_seq, ...current } = row;
  const message = messageJson(current);
  return {
    message,
    versions: [
      {
        kind: 'original' as const,
        content: original_content ?? (row.edited ? null : message.content),
        at: message.created_at,
        by: message.sender_id,
        seq: row.capture_seq!,
      },
      ...edits.map((e) => ({
        kind: 'edit' as const,
        content: e.content,
        at: e.editedAt,
        by: e.editedBy,
        seq: e.seq,
      })),
    ],
    recall: row.recalled
      ? { seq: recall_seq!, recalled_at: message.recalled_at!, recalled_by: recalled_by! }
      : null,
  };
}
