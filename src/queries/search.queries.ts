import { and, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { conversations, messages, users } from '../db/schema.js';
import type { Channel, MessageType } from '../events/index.js';
import { normalize } from '../search/tokenizer.js';
import { conversationColumns, conversationJson } from './conversations.queries.js';
import { messageColumns, messageJson, visible } from './messages.queries.js';

export interface SearchFilter {
  /** A tsquery built by `buildTsQuery`, or null to list by the filters alone. */
  tsquery: string | null;
  accountId?: string;
  /** Only these accounts (an API key's scope); null or absent: all. */
  accountIds?: readonly string[] | null;
  conversationId?: string;
  fromUserId?: string;
  startDate?: number;
  endDate?: number;
  messageType?: MessageType;
  channel?: Channel;
  sort: 'relevance' | 'newest';
  limit: number;
  offset: number;
}

/** Visible messages that match; ranked by relevance (then newest) or newest first. */
export async function searchMessages(db: Drizzle, f: SearchFilter) {
  const where: SQL[] = visible(false);
  const q = f.tsquery === null ? null : sql`${f.tsquery}::tsquery`;
  if (q) where.push(sql`${messages.search} @@ ${q}`);
  if (f.accountId) where.push(eq(messages.accountId, f.accountId));
  if (f.accountIds) where.push(inArray(messages.accountId, [...f.accountIds]));
  if (f.conversationId) where.push(eq(messages.conversationId, f.conversationId));
  if (f.fromUserId) where.push(eq(messages.senderId, f.fromUserId));
  if (f.startDate !== undefined) where.push(gte(messages.createdAt, f.startDate));
  if (f.endDate !== undefined) where.push(lte(messages.createdAt, f.endDate));
  if (f.messageType) where.push(eq(messages.messageType, f.messageType));
  if (f.channel) where.push(eq(messages.channel, f.channel));
  const rank = q ? sql<number>`ts_rank_cd(${messages.search}, ${q})` : sql<number>`0::real`;
  // Rank and count all hits in narrow rows, then fetch the page's rows only: keeping whole
  // rows for every hit made a common term's search spill to disk.
  const hits = db.$with('hits').as(
    db
      .select({
        hitId: messages.id,
        hitCreated: messages.createdAt,
        hitSeq: messages.captureSeq,
        rank: rank.as('rank'),
      })
      .from(messages)
      .where(and(...where)),
  );
  const order =
    f.sort === 'relevance' && q
      ? [desc(hits.rank), desc(hits.hitCreated), desc(hits.hitSeq)]
      : [desc(hits.hitCreated), desc(hits.hitSeq)];
  const page = db.$with('page').as(
    db
      .select({ pageId: hits.hitId, pageRank: hits.rank, pageCreated: hits.hitCreated, pageSeq: hits.hitSeq })
      .from(hits)
      .orderBy(...order)
      .limit(f.limit)
      .offset(f.offset),
  );
  const pageOrder =
    f.sort === 'relevance' && q
      ? [desc(page.pageRank), desc(page.pageCreated), desc(page.pageSeq)]
      : [desc(page.pageCreated), desc(page.pageSeq)];
  const rows = await db
    .with(hits, page)
    .select({
      ...messageColumns,
      rank: page.pageRank,
      total: sql<number>`(select count(*) from ${hits})`.mapWith(Number),
    })
    .from(page)
    .innerJoin(messages, eq(messages.id, page.pageId))
    .leftJoin(users, eq(users.platformUserId, messages.senderId))
    .orderBy(...pageOrder);
  // An empty page (past the end) carries no total: count separately.
  const total =
    rows[0]?.total ??
    (f.offset > 0
      ? ((
          await db
            .with(hits)
            .select({ n: sql<number>`count(*)`.mapWith(Number) })
            .from(hits)
        )[0]?.n ?? 0)
      : 0);
  return {
    rows: rows.map(({ rank: r, total: _, ...m }) => ({ ...messageJson(m), rank: Number(r) })),
    total,
  };
}

/**
 * Conversations of an account whose friend's name contains the text, or whose visible
 * messages match the query, with the number of matching messages.
 */
export async function searchConversations(
  db: Drizzle,
  accountId: string,
  text: string,
  tsquery: string | null,
  limit: number,
) {
  const hits = db
    .select({ conversationId: messages.conversationId, n: sql<number>`count(*)`.as('n') })
    .from(messages)
    .where(
      and(
        eq(messages.accountId, accountId),
        ...visible(false),
        tsquery === null ? sql`false` : sql`${messages.search} @@ ${tsquery}::tsquery`,
      ),
    )
    .groupBy(messages.conversationId)
    .as('hits');
  const nameMatch = sql<boolean>`coalesce(strpos(lower(normalize(${users.name}, NFKC)), ${normalize(text)}) > 0, false)`;
  const rows = await db
    .select({
      ...conversationColumns,
      matching_messages: sql<number>`coalesce(${hits.n}, 0)`.mapWith(Number),
      name_match: nameMatch,
    })
    .from(conversations)
    .leftJoin(users, eq(users.platformUserId, conversations.friendId))
    .leftJoin(hits, eq(hits.conversationId, conversations.id))
    .where(and(eq(conversations.accountId, accountId), sql`(${hits.n} is not null or ${nameMatch})`))
    .orderBy(sql`coalesce(${hits.n}, 0) desc`, sql`${conversations.lastMessageTime} desc nulls last`)
    .limit(limit);
  return rows.map((r) => conversationJson(r));
}
