import { and, count, desc, eq, type SQL, sql, sum } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { conversations, users } from '../db/schema.js';
import type { Channel } from '../events/index.js';

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
};

export const conversationJson = <T extends { channel: string }>(r: T) => ({
  ...r,
  channel: r.channel as Channel,
});

export interface ConversationFilter {
  accountId?: string;
  limit: number;
  offset: number;
}

/** Newest activity first. */
export async function listConversations(db: Drizzle, f: ConversationFilter) {
  const where: SQL[] = [];
  if (f.accountId) where.push(eq(conversations.accountId, f.accountId));
  const [rows, [totals]] = await Promise.all([
    db
      .select(conversationColumns)
      .from(conversations)
      .leftJoin(users, eq(users.platformUserId, conversations.friendId))
      .where(and(...where))
      .orderBy(sql`${conversations.lastMessageTime} desc nulls last`, desc(conversations.lastMessageSeq))
      .limit(f.limit)
      .offset(f.offset),
    db
      .select({ total: count(), unread: sum(conversations.unreadCount).mapWith(Number) })
      .from(conversations)
      .where(and(...where)),
  ]);
  return {
    conversations: rows.map(conversationJson),
    total: totals?.total ?? 0,
    unread_total: totals?.unread ?? 0,
  };
}

export async function getConversation(db: Drizzle, id: string) {
  const [row] = await db
    .select(conversationColumns)
    .from(conversations)
    .leftJoin(users, eq(users.platformUserId, conversations.friendId))
    .where(eq(conversations.id, id));
  return row ? conversationJson(row) : null;
}
