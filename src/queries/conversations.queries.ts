import { and, asc, count, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { blockedUsers, conversations, users } from '../db/schema.js';
import type { Channel } from '../events/index.js';
import { normalize } from '../search/tokenizer.js';

/** The friend of the conversation is blocked by its account. */
const isBlocked = sql<boolean>`exists (select 1 from ${blockedUsers} b
  where b.account_id = ${conversations.accountId} and b.platform_user_id = ${conversations.friendId})`;

export const conversationColumns = {
  id: conversations.id,
  account_id: conversations.accountId,
  platform_conversation_id: conversations.platformConversationId,
  channel: conversations.channel,
  friend_id: conversations.friendId,
  friend_name: users.name,
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
 * Pinned conversations first (most recently pinned first), then by the chosen sort; names
 * sort in Chinese order (pinyin, ICU collation `zh-x-icu`).
 */
export async function listConversations(db: Drizzle, f: ConversationFilter) {
  const where: SQL[] = [];
  if (f.accountId) where.push(eq(conversations.accountId, f.accountId));
  if (f.status === 'active') where.push(sql`not ${conversations.isArchived} and not ${isBlocked}`);
  if (f.status === 'archived') where.push(sql`${conversations.isArchived} and not ${isBlocked}`);
  if (f.status === 'blocked') where.push(isBlocked);
  if (f.tag) where.push(sql`${f.tag} = any(${conversations.tags})`);
  if (f.pinned !== undefined) where.push(eq(conversations.isPinned, f.pinned));
  if (f.search) {
    const q = normalize(f.search);
    where.push(sql`(strpos(lower(normalize(coalesce(${users.name}, ''), NFKC)), ${q}) > 0
      or strpos(lower(normalize(coalesce(${conversations.lastMessage}, ''), NFKC)), ${q}) > 0)`);
  }
  const dir = f.order === 'asc' ? asc : desc;
  const nulls = f.order === 'asc' ? sql`nulls first` : sql`nulls last`;
  const sort =
    f.sortBy === 'unread_count'
      ? [dir(conversations.unreadCount), sql`${conversations.lastMessageTime} desc nulls last`]
      : f.sortBy === 'name'
        ? [sql`${users.name} collate "zh-x-icu" ${f.order === 'desc' ? sql`desc` : sql`asc`} nulls last`]
        : [sql`${conversations.lastMessageTime} ${f.order === 'asc' ? sql`asc` : sql`desc`} ${nulls}`];
  const counted = sql`not ${conversations.isArchived} and not ${isBlocked}
    and (${conversations.muteUntil} is null or ${conversations.muteUntil} <= ${f.now})`;
  const [rows, [totals]] = await Promise.all([
    db
      .select(conversationColumns)
      .from(conversations)
      .leftJoin(users, eq(users.platformUserId, conversations.friendId))
      .where(and(...where))
      .orderBy(
        desc(conversations.isPinned),
        sql`${conversations.pinnedAt} desc nulls last`,
        ...sort,
        asc(conversations.id),
      )
      .limit(f.limit)
      .offset(f.offset),
    db
      .select({
        total: count(),
        unread: sql<number>`coalesce(sum(${conversations.unreadCount}) filter (where ${counted}), 0)`.mapWith(
          Number,
        ),
      })
      .from(conversations)
      .leftJoin(users, eq(users.platformUserId, conversations.friendId))
      .where(and(...where)),
  ]);
  return {
    conversations: rows.map(conversationJson),
    total: totals?.total ?? 0,
    unread_total: totals?.unread ?? 0,
  };
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
  const counted = sql`not ${conversations.isArchived} and not ${isBlocked}
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
