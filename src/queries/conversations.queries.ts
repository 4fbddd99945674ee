import { and, asc, count, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { accounts, blockedUsers, conversations, users } from '../db/schema.js';
import type { Channel } from '../events/index.js';
import { buildTsQuery } from '../search/query.js';

/** The friend of the conversation is blocked by its account. */
const isBlocked = sql<boolean>`exists (select 1 from ${blockedUsers} b
  where b.account_id = ${conversations.accountId} and b.platform_user_id = ${conversations.friendId})`;

export const conversationColumns = {
  id: conversations.id,
  account_id: conversations.accountId,
  platform_conversation_id: conversations.platformConversationId,
  channel: conversations.channel,
  friend_id: conversations.friendId,
  friend_name: conversations.friendName,
  friend_avatar: users.avatar,
  last_message_id: conversations.lastMessageId,
  last_message: conversations.lastMessage,
  last_message_time: conversations.lastMessageTime,
  message_count: conversations.messageCount,
  unread_count: conversations.unreadCount,
  created_at: conversations.createdAt,
  version: conversations.version,
  is_pinned: conversations.isPinned,
  is_archived: conversations.isArchived,
  is_blocked: isBlocked,
  tags: conversations.tags,
  mute_until: conversations.muteUntil,
};

export const conversationJson = <T extends { channel: string }>(r: T) => ({
  ...r,
  channel: r.channel as Channel,
});

export interface ConversationFilter {
  accountId?: string;
  /** Only these accounts (an API key's scope); null or absent: all. */
  accountIds?: readonly string[] | null;
  /** `active`: neither archived nor blocked; `archived`: archived, not blocked; `blocked`: the friend is blocked. */
  status?: 'active' | 'archived' | 'blocked';
  sortBy?: 'last_message_time' | 'unread_count' | 'name';
  order?: 'asc' | 'desc';
  /** Text in the friend's name or the last message (normalised, substring). */
  search?: string;
  tag?: string;
  pinned?: boolean;
  /** The request's time: muted until a later time means muted. */
  now: number;
  limit: number;
  offset: number;
}

/**
 * Blocked friends. With an account, an uncorrelated set (hashed once per query) rather than a
 * look-up per row.
 */
function blockedCondition(accountId: string | undefined): SQL {
  return accountId
    ? sql`${conversations.friendId} in (select platform_user_id from ${blockedUsers} where account_id = ${accountId})`
    : isBlocked;
}

/**
 * Pinned conversations first (most recently pinned first), then the rest by the chosen sort.
 * The two parts are read separately so that each page of the rest is a range scan of the
 * index for that order; names sort in Chinese order (pinyin, ICU collation `zh-x-icu`).
 */
export async function listConversations(db: Drizzle, f: ConversationFilter) {
  const blocked = blockedCondition(f.accountId);
  const where: SQL[] = [];
  if (f.accountId) where.push(eq(conversations.accountId, f.accountId));
  if (f.accountIds) where.push(inArray(conversations.accountId, [...f.accountIds]));
  if (f.status === 'active') where.push(sql`not ${conversations.isArchived} and not (${blocked})`);
  if (f.status === 'archived') where.push(sql`${conversations.isArchived} and not (${blocked})`);
  if (f.status === 'blocked') where.push(blocked);
  if (f.tag) where.push(sql`${f.tag} = any(${conversations.tags})`);
  if (f.search) {
    // the same contract as message search: a Chinese query matches as a substring
    const q = buildTsQuery(f.search);
    where.push(q === null ? sql`false` : sql`${conversations.search} @@ ${q}::tsquery`);
  }
  const asc_ = f.order === 'asc';
  // Written to match the indexes on conversations exactly (direction and nulls).
  const sort =
    f.sortBy === 'unread_count'
      ? asc_
        ? sql`${conversations.unreadCount} asc nulls first, ${conversations.lastMessageTime} asc nulls first, ${conversations.lastMessageSeq} asc nulls first`
        : sql`${conversations.unreadCount} desc nulls last, ${conversations.lastMessageTime} desc nulls last, ${conversations.lastMessageSeq} desc nulls last`
      : f.sortBy === 'name'
        ? asc_
          ? sql`${conversations.friendName} collate "zh-x-icu" asc nulls last, ${conversations.id} asc`
          : sql`${conversations.friendName} collate "zh-x-icu" desc nulls first, ${conversations.id} desc`
        : asc_
          ? sql`${conversations.lastMessageTime} asc nulls first, ${conversations.lastMessageSeq} asc nulls first`
          : sql`${conversations.lastMessageTime} desc nulls last, ${conversations.lastMessageSeq} desc nulls last`;

  const page = (extra: SQL, order: SQL, limit: number, offset: number) =>
    db
      .select(conversationColumns)
      .from(conversations)
      .leftJoin(users, eq(users.platformUserId, conversations.friendId))
      .where(and(...where, extra))
      .orderBy(order)
      .limit(Math.max(0, limit))
      .offset(offset);

  const counted = sql`not ${conversations.isArchived} and not (${blocked})
    and (${conversations.muteUntil} is null or ${conversations.muteUntil} <= ${f.now})`;
  const unfiltered = f.accountId !== undefined && !f.status && !f.tag && !f.search && f.pinned === undefined;
  const totalsQuery = Promise.all([
    unfiltered
      ? // every conversation of the account: the projection keeps that count
        db
          .select({ n: accounts.conversationCount })
          .from(accounts)
          .where(eq(accounts.accountId, f.accountId!))
      : db
          .select({ n: count() })
          .from(conversations)
          .where(and(...where)),
    db
      .select({
        n: sql<number>`coalesce(sum(${conversations.unreadCount}) filter (where ${counted}), 0)`.mapWith(
          Number,
        ),
      })
      .from(conversations)
      .where(and(...where, sql`${conversations.unreadCount} > 0`)),
  ]);

  let rows: Awaited<ReturnType<typeof page>>;
  const byPin = sql`${conversations.pinnedAt} desc nulls last, ${conversations.id}`;
  if (f.pinned === true) rows = await page(sql`${conversations.isPinned}`, byPin, f.limit, f.offset);
  else if (f.pinned === false) rows = await page(sql`not ${conversations.isPinned}`, sort, f.limit, f.offset);
  else {
    // Pinned ones are few: read them all, then fill the page from the rest.
    const pinned = await page(sql`${conversations.isPinned}`, byPin, 1000, 0);
    const shown = pinned.slice(f.offset, f.offset + f.limit);
    const rest = await page(
      sql`not ${conversations.isPinned}`,
      sort,
      f.limit - shown.length,
      Math.max(0, f.offset - pinned.length),
    );
    rows = [...shown, ...rest];
  }
  const [[total], [unread]] = await totalsQuery;
  return { conversations: rows.map(conversationJson), total: total?.n ?? 0, unread_total: unread?.n ?? 0 };
}

/** Tags in use on an account's conversations, most used first. */
export async function listTags(db: Drizzle, accountId: string) {
  const rows = await db.execute<{ tag: string; count: number }>(sql`
    select t.tag, count(*)::int as count from ${conversations}, unnest(${conversations.tags}) as t(tag)
    where ${conversations.accountId} = ${accountId}
    group by t.tag order by count(*) desc, t.tag collate "zh-x-icu"`);
  return [...rows].map((r) => ({ tag: r.tag, count: Number(r.count) }));
}

export async function listBlockedUsers(db: Drizzle, accountId: string) {
  const rows = await db
    .select({
      platform_user_id: blockedUsers.platformUserId,
      name: users.name,
      avatar: users.avatar,
      blocked_at: blockedUsers.blockedAt,
      blocked_by: blockedUsers.blockedBy,
    })
    .from(blockedUsers)
    .leftJoin(users, eq(users.platformUserId, blockedUsers.platformUserId))
    .where(eq(blockedUsers.accountId, accountId))
    .orderBy(desc(blockedUsers.blockedAt), asc(blockedUsers.platformUserId));
  return rows;
}

export async function getConversation(db: Drizzle, id: string) {
  const [row] = await db
    .select(conversationColumns)
    .from(conversations)
    .leftJoin(users, eq(users.platformUserId, conversations.friendId))
    .where(eq(conversations.id, id));
  return row ? conversationJson(row) : null;
}

/**
 * Unread state of an account: `total_unread` leaves out muted (now), archived and blocked
 * conversations; `conversations_unread` lists conversations with unread messages, newest
 * activity first, each with its newest unread message.
 */
export async function unreadSummary(db: Drizzle, accountId: string, now: number, limit: number) {
  const counted = sql`not ${conversations.isArchived} and not (${blockedCondition(accountId)})
    and (${conversations.muteUntil} is null or ${conversations.muteUntil} <= ${now})`;
  const [[total], rows] = await Promise.all([
    db
      .select({
        n: sql<number>`coalesce(sum(${conversations.unreadCount}) filter (where ${counted}), 0)`.mapWith(
          Number,
        ),
      })
      .from(conversations)
      .where(and(eq(conversations.accountId, accountId), sql`${conversations.unreadCount} > 0`)),
    db.execute<{
      conversation_id: string;
      unread_count: number;
      last_unread_message: string | null;
      last_unread_time: number | null;
    }>(sql`
      select c.id as conversation_id, c.unread_count, lu.content as last_unread_message, lu.created_at as last_unread_time
      from ${conversations} c
      left join lateral (
        select m.content, m.created_at from messages m
        where m.conversation_id = c.id and m.capture_seq is not null and m.direction = 'inbound'
          and m.read_at is null and not m.recalled
        order by m.created_at desc, m.capture_seq desc limit 1) lu on true
      where c.account_id = ${accountId} and c.unread_count > 0
      order by c.last_message_time desc nulls last, c.last_message_seq desc
      limit ${limit}`),
  ]);
  return {
    total_unread: total?.n ?? 0,
    conversations_unread: [...rows].map((r) => ({
      ...r,
      unread_count: Number(r.unread_count),
      last_unread_time: r.last_unread_time === null ? null : Number(r.last_unread_time),
    })),
  };
}

/** The account a conversation belongs to; null for an unknown id. */
export async function conversationAccount(db: Drizzle, id: string): Promise<string | null> {
  const [row] = await db
    .select({ accountId: conversations.accountId })
    .from(conversations)
    .where(eq(conversations.id, id));
  return row?.accountId ?? null;
}
