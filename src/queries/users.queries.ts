import { type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { users } from '../db/schema.js';

/**
 * A user is a friend of an account when they are the friend of one of its direct
 * conversations (the sender of its first inbound DM; see `conversations.friend_id`).
 * Without an account, nobody is a friend.
 */
function isFriendOf(accountId: string | undefined): SQL<boolean> {
  if (accountId === undefined) return sql<boolean>`false`;
  return sql<boolean>`exists (select 1 from conversations c
    where c.friend_id = ${users.platformUserId} and c.account_id = ${accountId})`;
}

const userColumns = (accountId: string | undefined) => ({
  user_id: users.platformUserId,
  name: users.name,
  avatar: users.avatar,
  signature: users.signature,
  follower_count: users.followerCount,
  following_count: users.followingCount,
  video_count: users.videoCount,
  is_verified: users.isVerified,
  is_friend: isFriendOf(accountId),
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
    .select(userColumns(accountId))
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
