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
 * Whether the user (`u`) is a friend of an account: the friend of one of its direct
 * conversations (the sender of its first inbound DM; see `conversations.friend_id`), one index
 * probe a user. Without an account, nobody is a friend.
 */
function isFriendOf(accountId: string | undefined): SQL {
  if (accountId === undefined) return sql`false`;
  return sql`exists (select 1 from conversations c where c.friend_id = u.platform_user_id and c.account_id = ${accountId})`;
}

/**
 * `message_count` and `accounts` as a key limited to `scope` may see them: counted and listed
 * within its accounts only (who else a user writes to is another tenant's business).
 */
function scoped(scope: readonly string[] | null): { messageCount: SQL; accounts: SQL } {
  if (scope === null) return { messageCount: sql`u.message_count`, accounts: sql`u.accounts` };
  const mine = sql`${sql.param([...scope])}::text[]`;
  return {
    messageCount: sql`(select count(*)::int from messages m where m.sender_id = u.platform_user_id
      and m.account_id = any(${mine}) and m.capture_seq is not null)`,
    accounts: sql`array(select a from unnest(u.accounts) with ordinality x(a, i) where a = any(${mine}) order by i)`,
  };
}

/**
 * The batch look-up's response body, `{ users, missing }`, as JSON text built by Postgres in
 * one statement: the ids (each once, in the order asked) go as one array parameter and each
 * is a primary-key look-up. The rows never become JavaScript objects: a batch is up to 500
 * users (about 250 KB), and parsing rows only to serialize them again took half the service's
 * time of a request. With a `scope` (an API key limited to those accounts) a user who sent
 * none of them a message is missing, and the others are counted within them.
 */
export async function getUsersJson(
  db: Drizzle,
  ids: readonly string[],
  accountId?: string,
  scope: readonly string[] | null = null,
): Promise<string> {
  const wanted = [...new Set(ids)];
  const { messageCount, accounts } = scoped(scope);
  const visible = scope === null ? sql`` : sql`and u.accounts && ${sql.param([...scope])}::text[]`;
  const [row] = await db.execute<{ body: string }>(sql`
    with w as (select id, ord from unnest(${sql.param(wanted)}::text[]) with ordinality as w(id, ord))
    select json_build_object(
      'users', coalesce(json_agg(json_build_object(
        'user_id', u.platform_user_id, 'name', u.name, 'avatar', u.avatar, 'signature', u.signature,
        'follower_count', u.follower_count, 'following_count', u.following_count,
        'video_count', u.video_count, 'is_verified', u.is_verified, 'is_friend', ${isFriendOf(accountId)},
        'platform', 'douyin', 'first_seen_at', u.first_seen_at, 'last_seen_at', u.last_seen_at,
        'message_count', ${messageCount}, 'accounts', ${accounts}) order by w.ord)
        filter (where u.platform_user_id is not null), '[]'),
      'missing', coalesce(json_agg(w.id order by w.ord) filter (where u.platform_user_id is null), '[]')
    )::text as body
    from w left join ${users} u on u.platform_user_id = w.id ${visible}`);
  return row!.body;
}

export async function getUser(
  db: Drizzle,
  id: string,
  accountId?: string,
  scope: readonly string[] | null = null,
): Promise<UserJson | null> {
  const { users: found } = JSON.parse(await getUsersJson(db, [id], accountId, scope)) as {
    users: UserJson[];
  };
  return found[0] ?? null;
}
