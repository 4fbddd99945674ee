import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Drizzle, Sql } from '../db/client.js';
import { conversations, messages, users } from '../db/schema.js';
import { conversationColumns, conversationJson } from '../queries/conversations.queries.js';
import type { messageJson } from '../queries/messages.queries.js';

/**
 * The changes feed of one account, by stream sequence.
 *
 * Every read-model row carries the sequence of the last event that changed it (`version`,
 * `read_seq`), and sequences only grow. So "everything after cursor c" is the rows whose
 * sequence is above c, each in its current state, and a page is a range (c, B] of sequences.
 * A row that changes again while a client pages moves above B and is sent again later in its
 * newer state: nothing is lost, and a client that applies rows by id converges exactly.
 *
 * A page never reaches past the projector's checkpoint, read before the rows: every event up
 * to it is in the read models, so a client can never skip an event that was not projected yet.
 */

/** A message in its current state, as the sync page and the live stream send it. */
export type SyncMessage = ReturnType<typeof messageJson> & { read_at: number | null };

export interface ReadChange {
  /** The sequence of the mark-read event. */
  seq: number;
  conversation_id: string;
  message_ids: string[];
  read_at: number;
}

const conversationQuery = (db: Drizzle) =>
  db
    .select(conversationColumns)
    .from(conversations)
    .leftJoin(users, eq(users.platformUserId, conversations.friendId));
type ConversationRow = Awaited<ReturnType<typeof conversationQuery>>[number];
export type SyncConversation = ReturnType<typeof conversationJson<ConversationRow>>;

/** One change, at the sequence of the event that made it. */
export type SyncItem =
  | { seq: number; kind: 'message'; created: boolean; message: SyncMessage }
  | { seq: number; kind: 'deleted'; id: string; conversationId: string }
  | { seq: number; kind: 'read'; read: ReadChange }
  | { seq: number; kind: 'conversation'; conversation: SyncConversation };

export interface SyncChanges {
  /** Ordered by sequence; the kinds of one sequence in the order message, read, conversation. */
  items: SyncItem[];
  /** Send it as the next cursor: every change up to it is in this page or an earlier one. */
  nextCursor: number;
  hasMore: boolean;
  /** The projector's checkpoint when the page was read. */
  checkpoint: number;
}

export interface ChangesQuery {
  accountId: string;
  cursor: number;
  /** Most sequences in one page. */
  limit: number;
  /**
   * A checkpoint of the projector the caller already knows (the live stream hears each one
   * from the projector's NOTIFY): the page reads up to it instead of reading the checkpoint
   * first, one round trip less. It must be one the projector reached; an older one is safe.
   */
  checkpoint?: number;
}

const ph = (name: string) => sql.placeholder(name);

/**
 * Reads an account's changes. Every statement is prepared once per connection (drizzle's
 * named prepared queries, postgres-js's tagged templates), so a page costs no planning.
 *
 * @param projector the checkpoint name of the projector that builds the read models
 */
export function createChangesReader(db: Drizzle, pg: Sql, projector: string) {
  /**
   * For a device's lag: the first `limit + 1` sequences after the cursor that changed
   * something of the account, up to the projector's checkpoint, read in the same statement.
   * Each branch is an index-only range scan with its own limit, so the cost follows the
   * limit, not the account. (It also counts the rare sequence that carries nothing to send,
   * such as an edit that came before its message.)
   */
  async function boundary(q: ChangesQuery) {
    const n = q.limit + 1;
    const [row] = await pg<{ checkpoint: number; seqs: number[] }[]>`
      with cp as (
        select coalesce((select last_seq from projector_checkpoints where projector = ${projector}), 0) as at
      )
      select (select at from cp) as checkpoint, array(
        select seq from (
          (select version as seq from messages
            where account_id = ${q.accountId} and version > ${q.cursor} and version <= (select at from cp)
            order by version limit ${n})
          union
          (select distinct read_seq from messages
            where account_id = ${q.accountId} and read_seq > ${q.cursor} and read_seq <= (select at from cp)
            order by read_seq limit ${n})
          union
          (select version from conversations
            where account_id = ${q.accountId} and version > ${q.cursor} and version <= (select at from cp)
            order by version limit ${n})
        ) s order by seq limit ${n}
      )::bigint[] as seqs`;
    return { checkpoint: Number(row!.checkpoint), seqs: row!.seqs.map(Number) };
  }

  const inRange = (column: typeof messages.version | typeof messages.readSeq) =>
    and(eq(messages.accountId, ph('account')), gt(column, ph('from')), lte(column, ph('to')));
  /**
   * Messages in the API's JSON shape straight from postgres-js (the columns of
   * `messageColumns`, plus `read_at`): a page has hundreds, and mapping each through the
   * query builder cost more than the query. A test holds the shape to `GET /messages/:id`.
   */
  const messageRows = (r: { account: string; from: number; to: number; n: number }) => pg<
    (SyncMessage & { capture_seq: number })[]
  >`
    select m.id, m.account_id, m.conversation_id, m.platform_message_id, m.platform_conversation_id,
      m.channel, m.direction, m.sender_id, u.name as sender_name, u.avatar as sender_avatar,
      coalesce(m.content, '') as content, m.message_type as type, m.reply_to, m.created_at,
      m.captured_at, m.edited, m.edited_at, m.recalled, m.recalled_at, m.version, m.read_at, m.capture_seq
    from messages m left join users u on u.platform_user_id = m.sender_id
    where m.account_id = ${r.account} and m.version > ${r.from} and m.version <= ${r.to}
      and m.capture_seq is not null
    order by m.version limit ${r.n}`;
  const readRows = db
    .select({
      seq: sql<number>`${messages.readSeq}`.mapWith(Number),
      conversation_id: sql<string>`${messages.conversationId}`,
      read_at: sql<number>`max(${messages.readAt})`.mapWith(Number),
      message_ids: sql<string[]>`array_agg(${messages.id} order by ${messages.id})`,
    })
    .from(messages)
    .where(and(inRange(messages.readSeq), sql`${messages.readSeq} is distinct from ${messages.captureSeq}`))
    .groupBy(messages.readSeq, messages.conversationId)
    .orderBy(asc(messages.readSeq), asc(messages.conversationId))
    .limit(ph('n'))
    .prepare('sync_reads');
  const conversationRows = conversationQuery(db)
    .where(
      and(
        eq(conversations.accountId, ph('account')),
        gt(conversations.version, ph('from')),
        lte(conversations.version, ph('to')),
      ),
    )
    .orderBy(asc(conversations.version))
    .limit(ph('n'))
    .prepare('sync_conversations');

  async function checkpointNow(): Promise<number> {
    const [row] = await pg<{ last_seq: number }[]>`
      select last_seq from projector_checkpoints where projector = ${projector}`;
    return row?.last_seq ?? 0;
  }

  /**
   * The account's changes after `cursor`, at most `limit` sequences of them. The checkpoint
   * is read first; then each kind of row is read up to it, `limit + 1` of each, at once, and
   * the page ends at the `limit`-th distinct sequence among them. Every row up to the
   * checkpoint was committed before the reads began, so each read is complete up to where it
   * stopped; a row that changed since moved past the checkpoint and comes in a later page.
   */
  async function read(q: ChangesQuery): Promise<SyncChanges> {
    const checkpoint = q.checkpoint ?? (await checkpointNow());
    if (checkpoint <= q.cursor) return { items: [], nextCursor: q.cursor, hasMore: false, checkpoint };
    const range = { account: q.accountId, from: q.cursor, to: checkpoint, n: q.limit + 1 };
    const [ms, reads, convs] = await Promise.all([
      messageRows(range),
      readRows.execute(range),
      conversationRows.execute(range),
    ]);
    const distinct = new Set<number>();
    for (const r of ms) distinct.add(r.version);
    for (const r of reads) distinct.add(r.seq);
    for (const r of convs) distinct.add(r.version);
    const seqs = [...distinct].sort((a, b) => a - b);
    const hasMore = seqs.length > q.limit;
    const to = hasMore ? seqs[q.limit - 1]! : checkpoint;
    const items: SyncItem[] = [];
    for (const r of ms) {
      if (r.version > to) break;
      const { capture_seq, ...message } = r;
      items.push(
        r.recalled
          ? { seq: r.version, kind: 'deleted', id: r.id, conversationId: r.conversation_id }
          : { seq: r.version, kind: 'message', created: capture_seq > q.cursor, message },
      );
    }
    for (const r of reads) if (r.seq <= to) items.push({ seq: r.seq, kind: 'read', read: r });
    for (const r of convs)
      if (r.version <= to)
        items.push({ seq: r.version, kind: 'conversation', conversation: conversationJson(r) });
    const rank = { message: 0, deleted: 0, read: 1, conversation: 2 } as const;
    items.sort((a, b) => a.seq - b.seq || rank[a.kind] - rank[b.kind]);
    return { items, nextCursor: to, hasMore, checkpoint };
  }

  return {
    read,
    /** How many sequences after the cursor changed something of the account, counted up to `limit`. */
    async count(q: ChangesQuery): Promise<number> {
      return Math.min((await boundary(q)).seqs.length, q.limit);
    },
  };
}
export type ChangesReader = ReturnType<typeof createChangesReader>;

/** The sync page's JSON: the changes grouped by kind. */
export function syncPageJson(changes: SyncChanges) {
  const page = {
    messages: [] as SyncMessage[],
    deleted_message_ids: [] as string[],
    read_changes: [] as ReadChange[],
    conversations: [] as SyncConversation[],
    next_cursor: changes.nextCursor,
    has_more: changes.hasMore,
  };
  for (const item of changes.items) {
    if (item.kind === 'message') page.messages.push(item.message);
    else if (item.kind === 'deleted') page.deleted_message_ids.push(item.id);
    else if (item.kind === 'read') page.read_changes.push(item.read);
    else page.conversations.push(item.conversation);
  }
  return page;
}
