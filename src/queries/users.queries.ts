import { type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { users } from '../db/schema.js';

/** A user as the API shows it. */
export interface UserJson {
  user_id: string;
  name: string | null;
  avatar: string | null;
  signature: string | null;
  follower_count: number | null;
  following_count: number | null;
  video_count: number | null;
  is_verified: boolean | null;
  is_friend: boolean;
  platform: 'douyin';
  first_seen_at: number;
  last_seen_at: number;
  message_count: number;
  accounts: string[];
}

/**
 * A user is a friend of an account when they are the friend of one of its direct
 * conversations (the sender of its first inbound DM; see `conversations.friend_id`).
 * Without an account, nobody is a friend. The friends are looked up once for all the ids
 * asked (a hashed set), not row by row, and not for the whole account.
 */
function isFriendOf(accountId: string | undefined, ids: string[]): SQL {
  if (accountId === undefined) return sql`false`;
  return sql`u.platform_user_id in (select c.friend_id from conversations c
    where c.account_id = ${accountId} and c.friend_id = any(${sql.param(ids)}::text[]))`;
}

/**
 * `message_count` and `accounts` as a key limited to `scope` may see them: counted and listed
 * within its accounts only (who else a user writes to is another tenant's business).
 */
function scoped(scope: readonly string[] | null): SQL {
  if (scope === null) return sql`u.message_count, u.accounts`;
  const mine = sql.param([...scope]);
  return sql`(select count(*)::int from messages m where m.sender_id = u.platform_user_id
      and m.account_id = any(${mine}::text[]) and m.capture_seq is not null) as message_count,
    array(select a from unnest(u.accounts) with ordinality x(a, i) where a = any(${mine}::text[]) order by i)
      as accounts`;
}

/**
 * The users with these platform ids, in the order asked (each once), and the ids no worker has
 * seen, in one statement: the ids go as one array parameter, each row is a primary-key look-up.
 * The rows come back already in the API's shape (a batch is up to 500 of them, so they are not
 * mapped again).
 */
export async function getUsers(
  db: Drizzle,
  ids: readonly string[],
  accountId?: string,
  scope: readonly string[] | null = null,
) {
  const wanted = [...new Set(ids)];
  const rows = await db.execute<UserJson & Record<string, unknown>>(sql`
    select u.platform_user_id as user_id, u.name, u.avatar, u.signature, u.follower_count,
      u.following_count, u.video_count, u.is_verified, ${isFriendOf(accountId, wanted)} as is_friend,
      'douyin' as platform, u.first_seen_at, u.last_seen_at, ${scoped(scope)}
    from ${users} u where u.platform_user_id = any(${sql.param(wanted)}::text[])
      ${scope === null ? sql`` : sql`and u.accounts && ${sql.param([...scope])}::text[]`}`);
  const byId = new Map<string, UserJson>();
  for (const r of rows) byId.set(r.user_id, r);
  const found: UserJson[] = [];
  const missing: string[] = [];
  for (const id of wanted) {
    const row = byId.get(id);
    if (row) found.push(row);
    else missing.push(id);
  }
  return { users: found, missing };
}

export async function getUser(
  db: Drizzle,
  id: string,
  accountId?: string,
  scope: readonly string[] | null = null,
): Promise<UserJson | null> {
  return (await getUsers(db, [id], accountId, scope)).users[0] ?? null;
}
