import { asc, eq, gt } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { accounts, rejectedEvents } from '../db/schema.js';

export async function listAccounts(db: Drizzle) {
  const rows = await db.select().from(accounts).orderBy(asc(accounts.accountId));
  return rows.map((a) => ({
    account_id: a.accountId,
    message_count: a.messageCount,
    conversation_count: a.conversationCount,
    last_captured_at: a.lastCapturedAt,
    first_seq: a.firstSeq,
    last_seq: a.lastSeq,
  }));
}

export async function listRejected(db: Drizzle, afterSeq: number, limit: number) {
  const rows = await db
    .select()
    .from(rejectedEvents)
    .where(gt(rejectedEvents.seq, afterSeq))
    .orderBy(asc(rejectedEvents.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    rejected_events: page.map((r) => ({
      stream: r.stream,
      seq: r.seq,
      subject: r.subject,
      reason: r.reason,
      raw: r.raw,
      stored_at: r.storedAt,
    })),
    has_more: rows.length > limit,
  };
}

export async function accountExists(db: Drizzle, accountId: string): Promise<boolean> {
  const rows = await db
    .select({ id: accounts.accountId })
    .from(accounts)
    .where(eq(accounts.accountId, accountId));
  return rows.length > 0;
}
