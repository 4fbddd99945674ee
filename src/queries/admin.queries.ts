import { asc, gt } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { rejectedEvents } from '../db/schema.js';

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
