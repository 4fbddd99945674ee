import { and, asc, eq, gt, isNotNull, lte, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/client.js';
import { conversations, messages, projectorCheckpoints, users } from '../db/schema.js';
import { conversationColumns, conversationJson } from '../queries/conversations.queries.js';
import { messageColumns, messageJson } from '../queries/messages.queries.js';

/**
 * The changes feed of one account, by stream sequence.
 *
 * Every read-model row carries the sequence of the last event that changed it (`version`,
 * `read_seq`), and sequences only grow. So "everything after cursor c" is the rows whose
 * sequence is above c, each in its current state, and a page is a range (c, B] of sequences.
 * A row that changes again while a client pages moves above B and is sent again later in its
 * newer state: nothing is lost, and a client that applies rows by id converges exactly.
 *
 * A page never reaches past the projector's checkpoint, read in the same statement as the
 * boundary: every event up to it is in the read models, so a client can never skip an event
 * that was not projected yet.
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

export type SyncConversation = ReturnType<typeof conversationJson<ConversationRow>>;
type ConversationRow = Awaited<ReturnType<typeof selectConversations>>[number];

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
  /** The checkpoint name of the projector that builds the read models. */
  projector: string;
  accountId: string;
  cursor: number;
  /** Most sequences in one page. */
  limit: number;
}

/**
 * The first `limit + 1` sequences after the cursor that changed something of the account,
 * up to the projector's checkpoint. Each branch is an index range scan with its own limit,
 * so the cost follows the page, not the account's size.
 */
async function boundary(db: Drizzle, q: ChangesQuery) {
  const n = q.limit + 1;
  const rows = await db.execute<{ checkpoint: number | null; seqs: number[] }>(sql`
    with cp as (
      select coalesce((select ${projectorCheckpoints.lastSeq} from ${projectorCheckpoints}
        where ${projectorCheckpoints.projector} = ${q.projector}), 0) as at
    )
    select (select at from cp) as checkpoint, array(
      select seq from (
        (select m.version as seq from ${messages} m
          where m.account_id = ${q.accountId} and m.version > ${q.cursor}
            and m.version <= (select at from cp) and m.capture_seq is not null
          order by m.version limit ${n})
        union
        (select distinct m.read_seq from ${messages} m
          where m.account_id = ${q.accountId} and m.read_seq > ${q.cursor}
            and m.read_seq <= (select at from cp) and m.read_seq is distinct from m.capture_seq
          order by m.read_seq limit ${n})
        union
        (select c.version from ${conversations} c
          where c.account_id = ${q.accountId} and c.version > ${q.cursor}
            and c.version <= (select at from cp)
          order by c.version limit ${n})
      ) s order by seq limit ${n}
    )::bigint[] as seqs`);
  const row = rows[0]!;
  return { checkpoint: Number(row.checkpoint ?? 0), seqs: row.seqs.map(Number) };
}

/** How many sequences after the cursor changed something of the account, counted up to `limit`. */
export async function countChanges(db: Drizzle, q: ChangesQuery): Promise<number> {
  return Math.min((await boundary(db, q)).seqs.length, q.limit);
}

function selectConversations(db: Drizzle, accountId: string, from: number, to: number) {
  return db
    .select(conversationColumns)
    .from(conversations)
    .leftJoin(users, eq(users.platformUserId, conversations.friendId))
    .where(
      and(
        eq(conversations.accountId, accountId),
        gt(conversations.version, from),
        lte(conversations.version, to),
      ),
    )
    .orderBy(asc(conversations.version));
}

/** The account's changes after `cursor`, at most `limit` sequences of them. */
export async function readChanges(db: Drizzle, q: ChangesQuery): Promise<SyncChanges> {
  const { checkpoint, seqs } = await boundary(db, q);
  const hasMore = seqs.length > q.limit;
  const to = hasMore ? seqs[q.limit - 1]! : Math.max(checkpoint, q.cursor);
  if (seqs.length === 0) return { items: [], nextCursor: to, hasMore: false, checkpoint };
  const range = (column: typeof messages.version | typeof messages.readSeq) =>
    and(eq(messages.accountId, q.accountId), gt(column, q.cursor), lte(column, to));
  // The three reads may see later commits than the boundary did; see the module comment.
  const [messageRows, readRows, conversationRows] = await Promise.all([
    db
      .select({ ...messageColumns, read_at: messages.readAt })
      .from(messages)
      .leftJoin(users, eq(users.platformUserId, messages.senderId))
      .where(and(range(messages.version), isNotNull(messages.captureSeq)))
      .orderBy(asc(messages.version)),
    db
      .select({
        seq: sql<number>`${messages.readSeq}`.mapWith(Number),
        conversation_id: sql<string>`${messages.conversationId}`,
        read_at: sql<number>`max(${messages.readAt})`.mapWith(Number),
        message_ids: sql<string[]>`array_agg(${messages.id} order by ${messages.id})`,
      })
      .from(messages)
      .where(and(range(messages.readSeq), sql`${messages.readSeq} is distinct from ${messages.captureSeq}`))
      .groupBy(messages.readSeq, messages.conversationId)
      .orderBy(asc(messages.readSeq), asc(messages.conversationId)),
    selectConversations(db, q.accountId, q.cursor, to),
  ]);
  const items: SyncItem[] = [];
  for (const r of messageRows) {
    const { read_at, ...m } = r;
    items.push(
      r.recalled
        ? { seq: r.version, kind: 'deleted', id: r.id, conversationId: r.conversation_id! }
        : {
            seq: r.version,
            kind: 'message',
            created: r.capture_seq! > q.cursor,
            message: { ...messageJson(m), read_at },
          },
    );
  }
  for (const r of readRows) items.push({ seq: r.seq, kind: 'read', read: r });
  for (const r of conversationRows)
    items.push({ seq: r.version, kind: 'conversation', conversation: conversationJson(r) });
  const rank = { message: 0, deleted: 0, read: 1, conversation: 2 } as const;
  items.sort((a, b) => a.seq - b.seq || rank[a.kind] - rank[b.kind]);
  return { items, nextCursor: to, hasMore, checkpoint };
}

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
