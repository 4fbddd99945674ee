import { and, count, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { replies } from '../db/schema.js';
import { type Channel, messageId } from '../events/index.js';
import type { ReplyStatus } from '../projections/fold.js';

export const REPLY_STATUSES = [
  'pending',
  'sent',
  'failed',
  'expired',
] as const satisfies readonly ReplyStatus[];

type ReplyRow = typeof replies.$inferSelect;

/** A reply as the API shows it. */
export function replyJson(r: ReplyRow) {
  return {
    reply_id: r.replyId,
    account_id: r.accountId,
    conversation_id: r.conversationId,
    channel: r.channel as Channel,
    platform_conversation_id: r.platformConversationId,
    reply_to: r.replyTo,
    content: r.content,
    status: r.status as ReplyStatus,
    attempts: r.attempts,
    platform_message_id: r.platformMessageId,
    // the sent reply as a message, once a worker captures it (ids derive from platform ids)
    message_id: r.platformMessageId === null ? null : messageId(r.accountId, r.platformMessageId),
    failure_reason: r.failureReason,
    requested_by: r.requestedBy,
    requested_at: r.requestedAt,
    expires_at: r.expiresAt,
    sent_at: r.sentAt,
    failed_at: r.failedAt,
    expired_at: r.expiredAt,
    seq: r.requestSeq,
    version: r.version,
  };
}
export type ReplyJson = ReturnType<typeof replyJson>;

export async function getReply(db: Drizzle, id: string): Promise<ReplyJson | null> {
  const [row] = await db.select().from(replies).where(eq(replies.replyId, id));
  return row ? replyJson(row) : null;
}

export interface ReplyFilter {
  accountId?: string;
  /** Only these accounts (an API key's scope); null or absent: all. */
  accountIds?: readonly string[] | null;
  status?: ReplyStatus;
  limit: number;
  offset: number;
}

/** Replies newest request first, with the total that matches. */
export async function listReplies(db: Drizzle, f: ReplyFilter) {
  const where: SQL[] = [];
  if (f.accountId !== undefined) where.push(eq(replies.accountId, f.accountId));
  if (f.accountIds) where.push(inArray(replies.accountId, [...f.accountIds]));
  if (f.status !== undefined) where.push(eq(replies.status, f.status));
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(replies)
      .where(and(...where))
      .orderBy(desc(replies.requestSeq))
      .limit(f.limit)
      .offset(f.offset),
    db
      .select({ n: count() })
      .from(replies)
      .where(and(...where)),
  ]);
  const n = total?.n ?? 0;
  return { replies: rows.map(replyJson), total: n, has_more: f.offset + rows.length < n };
}

/**
 * An account's replies counted by status, and the median time from request to sent (from
 * the request's `requested_at` to the worker's `sent_at`; null before any was sent).
 */
export async function replyStats(db: Drizzle, accountId: string) {
  const [rows, [median]] = await Promise.all([
    db
      .select({ status: replies.status, n: count() })
      .from(replies)
      .where(eq(replies.accountId, accountId))
      .groupBy(replies.status),
    db
      .select({
        ms: sql<
          number | null
        >`percentile_cont(0.5) within group (order by ${replies.sentAt} - ${replies.requestedAt})`,
      })
      .from(replies)
      .where(and(eq(replies.accountId, accountId), eq(replies.status, 'sent'))),
  ]);
  const byStatus = Object.fromEntries(REPLY_STATUSES.map((s) => [s, 0])) as Record<ReplyStatus, number>;
  for (const r of rows) byStatus[r.status as ReplyStatus] = r.n;
  return {
    account_id: accountId,
    total: rows.reduce((sum, r) => sum + r.n, 0),
    by_status: byStatus,
    median_time_to_sent_ms: median?.ms == null ? null : Math.round(Number(median.ms)),
  };
}

/** Pending replies whose time is up at `now`, oldest first: what the sweeper expires. */
export async function dueReplies(db: Drizzle, now: number, limit: number) {
  return db
    .select({ replyId: replies.replyId, accountId: replies.accountId, expiresAt: replies.expiresAt })
    .from(replies)
    .where(and(eq(replies.status, 'pending'), sql`${replies.expiresAt} <= ${now}`))
    .orderBy(replies.expiresAt)
    .limit(limit);
}
