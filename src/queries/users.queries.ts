import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
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
 * Which of these users are friends of an account: the friend of one of its direct
 * conversations (the sender of its first inbound DM; see `conversations.friend_id`). One index
 * probe an id, for all the ids at once. Without an account, nobody is a friend.
 */
async function friendsOf(db: Drizzle, accountId: string | undefined, ids: string[]): Promise<Set<string>> {
  if (accountId === undefined) return new Set();
  const rows = await db.execute<{ friend_id: string }>(sql`
    select friend_id from conversations where account_id = ${accountId} and friend_id = any(${sql.param(ids)}::text[])`);
  return new Set(rows.map((r) => r.friend_id));
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
 * The batch look-up's response body, `{ users, missing }`, as UTF-8 JSON. Postgres builds each
 * user's JSON (the ids go as one array parameter, each a primary-key look-up) while the
 * friends among them are read beside it. The rows come back as raw bytes and are joined as
 * bytes: a batch is up to 500 users (about 250 KB), and as JavaScript objects, or even as one
 * JavaScript string (two bytes a character once a name is Chinese), each request left half a
 * megabyte of old-generation garbage, whose collections were the requests' slowest
 * percentile. The users come in the order asked, each once. With a `scope` (an API key limited
 * to those accounts) a user who sent none of them a message is missing, and the others are
 * counted within them.
 */
export async function getUsersJson(
  db: Drizzle,
  ids: readonly string[],
  accountId?: string,
  scope: readonly string[] | null = null,
): Promise<Buffer<ArrayBuffer>> {
  const wanted = [...new Set(ids)];
  const { messageCount, accounts } = scoped(scope);
  const visible = scope === null ? sql`` : sql`and u.accounts && ${sql.param([...scope])}::text[]`;
  const query = dialect.sqlToQuery(sql`
      select u.platform_user_id as id, json_build_object(
        'user_id', u.platform_user_id, 'name', u.name, 'avatar', u.avatar, 'signature', u.signature,
        'follower_count', u.follower_count, 'following_count', u.following_count,
        'video_count', u.video_count, 'is_verified', u.is_verified,
        'platform', 'douyin', 'first_seen_at', u.first_seen_at, 'last_seen_at', u.last_seen_at,
        'message_count', ${messageCount}, 'accounts', ${accounts})::text as json
      from ${users} u where u.platform_user_id = any(${sql.param(wanted)}::text[]) ${visible}`);
  const [rows, friends] = await Promise.all([
    db.$client.unsafe(query.sql, query.params as never[], { prepare: true }).raw(),
    friendsOf(db, accountId, wanted),
  ]);
  const byId = new Map<string, Buffer>();
  for (const [id, json] of rows as unknown as [Buffer, Buffer][]) byId.set(id.toString(), json);
  const parts: Buffer[] = [USERS_OPEN];
  const missing: string[] = [];
  for (const id of wanted) {
    const json = byId.get(id);
    if (json === undefined) {
      missing.push(id);
      continue;
    }
    if (parts.length > 1) parts.push(COMMA);
    // the object's closing brace makes room for is_friend
    parts.push(json.subarray(0, -1), friends.has(id) ? IS_FRIEND : NOT_FRIEND);
  }
  parts.push(Buffer.from(`],"missing":${JSON.stringify(missing)}}`));
  return Buffer.concat(parts);
}
const dialect = new PgDialect();
const USERS_OPEN = Buffer.from('{"users":[');
const COMMA = Buffer.from(',');
const IS_FRIEND = Buffer.from(',"is_friend":true}');
const NOT_FRIEND = Buffer.from(',"is_friend":false}');

export async function getUser(
  db: Drizzle,
  id: string,
  accountId?: string,
  scope: readonly string[] | null = null,
): Promise<UserJson | null> {
  const { users: found } = JSON.parse((await getUsersJson(db, [id], accountId, scope)).toString()) as {
    users: UserJson[];
  };
  return found[0] ?? null;
}
