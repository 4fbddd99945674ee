import { type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { users } from '../db/schema.js';

/**
 * A user is a friend of an account when they are the friend of one of its direct
 * conversations (the sender of its first inbound DM; see `conversations.friend_id`).
 * Without an account, nobody is a friend. The friends are looked up once for all the ids
 * asked (a hashed set), not row by row, and not for the whole account.
 */
function isFriendOf(accountId: string | undefined, ids: string[]): SQL<boolean> {
  if (accountId === undefined) return sql<boolean>`false`;
  return sql<boolean>`users.platform_user_id in (select c.friend_id from conversations c
    where c.account_id = ${accountId} and c.friend_id = any(${sql.param(ids)}::text[]))`;
}

const userColumns = (accountId: string | undefined, ids: string[]) => ({
  user_id: users.platformUserId,
  name: users.name,
  avatar: users.avatar,
  signature: users.signature,
  follower_count: users.followerCount,
  following_count: users.followingCount,
  video_count: users.videoCount,
  is_verified: users.isVerified,
  is_friend: isFriendOf(accountId, ids),
  platform: sql<'douyin'>`'douyin'`,
  first_seen_at: users.firstSeenAt,
  last_seen_at: users.lastSeenAt,
  message_count: users.messageCount,
  accounts: users.accounts,
});
export type UserJson = Awaited<ReturnType<typeof getUsers>>['users'][number];

/**
 * The users with these platform ids, in the order asked (each once), and the ids no worker has
 * seen, in one statement: the ids go as one array parameter, each row is a primary-key look-up.
 */
export async function getUsers(db: Drizzle, ids: readonly string[], accountId?: string) {
  const wanted = [...new Set(ids)];
  const rows = await db
    .select(userColumns(accountId, wanted))
    .from(users)
    .where(sql`${users.platformUserId} = any(${sql.param(wanted)}::text[])`);
  const byId = new Map(rows.map((r) => [r.user_id, r]));
  const found: typeof rows = [];
  const missing: string[] = [];
  for (const id of wanted) {
    const row = byId.get(id);
    if (row) found.push(row);
    else missing.push(id);
  }
  return { users: found, missing };
}

export async function getUser(db: Drizzle, id: string, accountId?: string) {
  return (await getUsers(db, [id], accountId)).users[0] ?? null;
}
