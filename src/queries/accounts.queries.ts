import { asc, eq, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { accounts } from '../db/schema.js';
import type { AccountStatus } from '../events/index.js';

type AccountRow = typeof accounts.$inferSelect;

/** An account as the API shows it. */
export function accountJson(a: AccountRow) {
  return {
    account_id: a.accountId,
    display_name: a.displayName,
    platform: a.platform,
    status: a.status as AccountStatus | null,
    notes: a.notes,
    registered: a.registeredAt !== null,
    registered_at: a.registeredAt,
    registered_by: a.registeredBy,
    updated_at: a.updatedAt,
    removed: a.removed,
    removed_at: a.removedAt,
    removed_by: a.removedBy,
    message_count: a.messageCount,
    conversation_count: a.conversationCount,
    last_message_captured_at: a.lastMessageCapturedAt,
    last_captured_at: a.lastCapturedAt,
    first_seq: a.firstSeq,
    last_seq: a.lastSeq,
  };
}
export type AccountJson = ReturnType<typeof accountJson>;

/** The accounts that are monitored: registered or seen on the log, and not removed. */
export async function listAccounts(db: Drizzle) {
  const rows = await db
    .select()
    .from(accounts)
    .where(eq(accounts.removed, false))
    .orderBy(asc(accounts.accountId));
  return rows.map(accountJson);
}

/** The account's row, removed or not; null when the log never named it. */
export async function getAccountRow(db: Drizzle, accountId: string): Promise<AccountRow | null> {
  const [row] = await db.select().from(accounts).where(eq(accounts.accountId, accountId));
  return row ?? null;
}

/** An account the log has named (removed ones included: their history stays). */
export async function accountExists(db: Drizzle, accountId: string): Promise<boolean> {
  return (await getAccountRow(db, accountId)) !== null;
}

export interface AccountStatusRow {
  account_id: string;
  display_name: string | null;
  platform: string | null;
  status: AccountStatus | null;
  last_message_captured_at: number | null;
  messages_today: number;
  unread_total: number;
  pending_replies: number;
}

/**
 * Every monitored account with what an operator's dashboard shows, in one statement: the
 * messages created (platform time) at or after `since` that are not recalled, the unread total
 * as the unread summary counts it (muted at `now`, archived and blocked conversations left
 * out) and the replies still pending. Each count reads an index range of its own account.
 */
export async function accountsStatus(db: Drizzle, since: number, now: number): Promise<AccountStatusRow[]> {
  const rows = await db.execute<AccountStatusRow & Record<string, unknown>>(sql`
    select a.account_id, a.display_name, a.platform, a.status, a.last_message_captured_at,
      (select count(*) from messages m
        where m.account_id = a.account_id and m.capture_seq is not null
          and m.created_at >= ${since} and not m.recalled) as messages_today,
      (select coalesce(sum(c.unread_count), 0) from conversations c
        where c.account_id = a.account_id and c.unread_count > 0 and not c.is_archived
          and (c.mute_until is null or c.mute_until <= ${now})
          and not exists (select 1 from blocked_users b
            where b.account_id = c.account_id and b.platform_user_id = c.friend_id)) as unread_total,
      (select count(*) from replies r
        where r.account_id = a.account_id and r.status = 'pending') as pending_replies
    from ${accounts} a where not a.removed order by a.account_id`);
  return [...rows].map((r) => ({
    ...r,
    last_message_captured_at: r.last_message_captured_at === null ? null : Number(r.last_message_captured_at),
    messages_today: Number(r.messages_today),
    unread_total: Number(r.unread_total),
    pending_replies: Number(r.pending_replies),
  }));
}
