import { and, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { conversations, messages, users } from '../db/schema.js';
import type { Channel, MessageType } from '../events/index.js';
import type { SearchPlan } from '../search/query.js';
import { normalize } from '../search/tokenizer.js';
import { conversationColumns, conversationJson } from './conversations.queries.js';
import { messageColumns, messageJson, visible } from './messages.queries.js';

export interface SearchFilter {
  /** The query's plan (`searchPlan`), or null to list by the filters alone. */
  plan: SearchPlan | null;
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

/**
 * The condition of a search: its keys (for the key index), its phrase check where the keys
 * are not the query, its filters. `by: 'vector'` checks rows one by one against their vector
 * only, the cheaper test where no index picks the rows (a walk along `created_at`).
 */
function searchCondition(
  f: Omit<SearchFilter, 'sort' | 'limit' | 'offset'>,
  by: 'keys' | 'vector' = 'keys',
): SQL {
  const where: SQL[] = visible(false);
  if (f.plan) {
    if (by === 'keys') where.push(sql`${messages.searchKeys} @> ${sql.param(f.plan.keys)}::text[]`);
    if (!f.plan.exact || by === 'vector') where.push(sql`${messages.search} @@ ${f.plan.tsquery}::tsquery`);
  }
  if (f.accountId) where.push(eq(messages.accountId, f.accountId));
  if (f.accountIds) where.push(inArray(messages.accountId, [...f.accountIds]));
  if (f.conversationId) where.push(eq(messages.conversationId, f.conversationId));
  if (f.fromUserId) where.push(eq(messages.senderId, f.fromUserId));
  if (f.startDate !== undefined) where.push(gte(messages.createdAt, f.startDate));
  if (f.endDate !== undefined) where.push(lte(messages.createdAt, f.endDate));
  if (f.messageType) where.push(eq(messages.messageType, f.messageType));
  if (f.channel) where.push(eq(messages.channel, f.channel));
  return and(...where)!;
}

interface Hit {
  id: string;
  rank: number;
  created: number;
  seq: number;
}
const byNewest = (a: Hit, b: Hit) => b.created - a.created || b.seq - a.seq;
const byRank = (a: Hit, b: Hit) => b.rank - a.rank || byNewest(a, b);

/**
 * The table's size and the span of its creation times, and up to `probe` + 1 matches read
 * from the key index in the table's order (a bitmap scan, from the first block): where the
 * last of them lies tells how dense the matches are.
 */
async function probeMatches(db: Drizzle, cond: SQL, hit: Record<string, unknown>, probe: number) {
  const [hits, [table]] = await Promise.all([
    db.transaction(async (tx) => {
      // A bitmap scan reads the table in its order from the first block. (A sequential scan
      // may start where another one stopped, and checks every row's keys; an index scan along
      // `created_at` reads the newest rows first.)
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_indexscan = off`);
      return tx
        .select({
          ...(hit as { id: typeof messages.id }),
          block: sql<number>`(${messages}.ctid::text::point)[0]`.mapWith(Number),
        })
        .from(messages)
        .where(cond)
        .limit(probe + 1);
    }),
    db.execute<{ blocks: number; rows: number; newest: number | null; oldest: number | null }>(sql`
      select pg_relation_size('messages'::regclass) / 8192 as blocks,
        (select reltuples from pg_class where oid = 'messages'::regclass) as rows,
        (select created_at from ${messages} where capture_seq is not null
          order by created_at desc, capture_seq desc limit 1) as newest,
        (select created_at from ${messages} where capture_seq is not null
          order by created_at asc, capture_seq asc limit 1) as oldest`),
  ]);
  return { hits: hits as (Hit & { block: number })[], table: table! };
}

/**
 * The newest `want` matches created at or after `since`, walking back along `created_at`
 * (or an account's own index) and stopping at the last of them.
 */
async function walkBack(db: Drizzle, cond: SQL, rank: SQL, want: number, since: number): Promise<Hit[]> {
  const rows = await db.execute<{ id: string; rank: number; created: number; seq: number }>(sql`
    select id, ${rank} as rank, created_at as created, capture_seq as seq
    from ${messages} where ${cond} and created_at >= ${since}
    order by created_at desc, capture_seq desc limit ${want}`);
  return rows.map((r) => ({
    id: r.id,
    rank: Number(r.rank),
    created: Number(r.created),
    seq: Number(r.seq),
  }));
}

/**
 * How a page is found (see `searchMessages`): how many matches the first read takes, and the
 * number of matches (estimated) past which the newest are found by a walk back along
 * `created_at` rather than by reading every match. Reading costs about a row a match, read at
 * random; a walk about `page × rows / matches` rows, read in order: they cost the same near
 * the square root of `page × rows`.
 */
export interface SearchLimits {
  probe: number;
  walkAbove: number;
}
export const SEARCH_LIMITS: SearchLimits = { probe: 100, walkAbove: 3000 };

/**
 * Visible messages that match; ranked by relevance (then newest) or newest first. `total` is
 * exact (`totalExact`) unless the query is common enough to be walked; then it is estimated
 * from the density of its matches, as search engines give for common words: counting a
 * hundred thousand matches of a common character would read them all, for a number nobody
 * pages through.
 *
 * First, a few matches are read from the key index, in the table's order. A rare query has
 * no more: they are all there, and sorted here. Where they stopped tells how dense the
 * matches are, and so about how many there are. A query with a few thousand reads them all
 * (counted exactly). A common one has its newest matches close together: a walk back along
 * `created_at`, checking each row's vector, finds a page of them (chosen here: the planner's
 * guess for several keys together, or for a phrase, is far off). For relevance, a query of
 * one term needs no look at its other matches: every match that contains none of the term's
 * keys marked as repeated (see `searchKeys`) has the term once, and so the lowest rank,
 * shared by all of them; the page is the best of the few that repeat a key and the newest.
 * Several terms rank by how close they stand, so each of their matches is ranked, as is
 * every listing by filters alone (through the planner's choice of index).
 */
export async function searchMessages(db: Drizzle, f: SearchFilter, limits: SearchLimits = SEARCH_LIMITS) {
  const cond = searchCondition(f);
  const q = f.plan ? sql`${f.plan.tsquery}::tsquery` : null;
  const rank = q ? sql`ts_rank_cd(${messages.search}, ${q})` : sql`0::real`;
  const hit = {
    id: messages.id,
    rank: rank.mapWith(Number),
    created: messages.createdAt,
    seq: messages.captureSeq,
  };
  const relevance = f.plan !== null && f.sort === 'relevance';
  const want = f.offset + f.limit + 1;
  const readAll = async () => (await db.select(hit).from(messages).where(cond)) as Hit[];
  let all: Hit[] | null = null;
  let walked: Hit[] | null = null;
  let estimate = 0;
  let exactCount = false;
  if (f.plan === null) {
    // by filters alone: the planner's index for them, and an exact count
    const [page, [counted]] = await Promise.all([
      db
        .select(hit)
        .from(messages)
        .where(cond)
        .orderBy(desc(messages.createdAt), desc(messages.captureSeq))
        .limit(want),
      db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(messages)
        .where(cond),
    ]);
    walked = page as Hit[];
    estimate = counted?.n ?? 0;
    exactCount = true;
  } else if (relevance && f.plan.repeated === null) all = await readAll();
  else {
    const probe = await probeMatches(db, cond, hit, limits.probe);
    if (probe.hits.length <= limits.probe) all = probe.hits;
    else {
      const { blocks, rows, newest, oldest } = probe.table;
      const reached = Math.max(...probe.hits.map((h) => h.block)) + 1;
      estimate = Math.round((probe.hits.length * Math.max(Number(blocks), reached)) / reached);
      if (estimate >= limits.walkAbove && newest !== null && oldest !== null && Number(rows) > 0) {
        // Walk back far enough for a page and a half at that density, if the matches spread
        // evenly over time; rows a millisecond, on average, turn rows into a span of time.
        const perMs = Number(rows) / Math.max(1, Number(newest) - Number(oldest));
        const since = Math.floor(Number(newest) - (1.5 * want * Number(rows)) / estimate / perMs);
        const [latest, repeated] = await Promise.all([
          walkBack(db, searchCondition(f, 'vector'), rank, want, since),
          relevance && f.plan.repeated
            ? db
                .select(hit)
                .from(messages)
                .where(and(cond, sql`${messages.searchKeys} && ${sql.param(f.plan.repeated)}::text[]`))
            : Promise.resolve([]),
        ]);
        if (latest.length >= want) {
          const both = new Map<string, Hit>();
          for (const h of [...(repeated as Hit[]), ...latest]) both.set(h.id, h);
          walked = [...both.values()];
        }
      }
      if (walked === null) all = await readAll();
    }
  }
  const ranked = (all ?? walked!).sort(relevance ? byRank : byNewest);
  const hasMore = ranked.length >= want;
  const page = ranked.slice(f.offset, f.offset + f.limit);
  const totalExact = all !== null || exactCount;
  const total =
    all?.length ?? (exactCount ? estimate : Math.max(estimate, f.offset + page.length + (hasMore ? 1 : 0)));
  if (page.length === 0) return { rows: [], total, totalExact, hasMore };
  const rows = await db
    .select(messageColumns)
    .from(messages)
    .leftJoin(users, eq(users.platformUserId, messages.senderId))
    .where(
      inArray(
        messages.id,
        page.map((h) => h.id),
      ),
    );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    rows: page.map((h) => ({ ...messageJson(byId.get(h.id)!), rank: h.rank })),
    total,
    totalExact,
    hasMore,
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
  plan: SearchPlan | null,
  limit: number,
) {
  const hits = db
    .select({ conversationId: messages.conversationId, n: sql<number>`count(*)`.as('n') })
    .from(messages)
    .where(plan === null ? sql`false` : searchCondition({ plan, accountId }))
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
