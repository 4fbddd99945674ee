import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { getTableColumns, type Table } from 'drizzle-orm';
import { accounts, blockedUsers, conversations, messageEdits, messages } from '../db/schema.js';
import { readRange } from '../log/range-reader.js';
import type { Subjects } from '../log/subjects.js';
import { decodeMessage } from '../projections/batch.js';
import {
  blockKey,
  type ConversationRow,
  type EditRow,
  emptyFoldState,
  type FoldState,
  foldBatch,
  type MessageRow,
  messagesOf,
  type SequencedEvent,
} from '../projections/fold.js';

export interface StateAtDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjects: Subjects;
}

export interface StateAtQuery {
  /** Right after this sequence. */
  atSeq: number;
  accountId: string;
  /** One conversation (a hub id, `c_…`); the whole account when absent. */
  conversationId?: string;
}

type Json = Record<string, unknown>;

/** A message as the read model held it, with its edits (oldest first). */
export type MessageAt = Json & { edits: Json[] };

export interface ConversationStateAt {
  at_seq: number;
  account_id: string;
  /** Null when the conversation did not exist yet. */
  conversation: (Json & { is_blocked: boolean }) | null;
  messages: MessageAt[];
}

export interface AccountStateAt {
  at_seq: number;
  account_id: string;
  /** Null when the account had no event yet. */
  account: Json | null;
  conversations: (Json & { is_blocked: boolean })[];
  blocked_users: Json[];
  messages: MessageAt[];
  /** Events of the account up to `at_seq` that were rejected as malformed. */
  rejected: { seq: number; reason: string }[];
}

/** How many events are folded at a time, as the projector would in one batch. */
const CHUNK = 5000;

/**
 * A conversation or an account as the read models held it right after sequence `atSeq`:
 * its events (the account's subjects only, read from the log) folded in memory with the
 * projection's own pure fold, in the same order; nothing is written anywhere.
 *
 * Profiles come from the account's own events: a friend's name that was last seen in
 * another account's events before `atSeq` is not known here (the log's subjects are per
 * account), so `friend_name` can lag behind what the read model showed then.
 */
export async function stateAt(
  deps: StateAtDeps,
  q: StateAtQuery,
): Promise<ConversationStateAt | AccountStateAt> {
  const { js, jsm, stream, subjects } = deps;
  const state = emptyFoldState();
  const edits: EditRow[] = [];
  const rejected: { seq: number; reason: string }[] = [];
  let chunk: SequencedEvent[] = [];
  const fold = () => {
    foldBatch(state, chunk);
    recomputeLastMessages(state);
    edits.push(...state.edits);
    resetBatch(state);
    chunk = [];
  };
  for await (const m of readRange(
    { js, jsm, stream },
    { fromSeq: 1, toSeq: q.atSeq, subject: subjects.account(q.accountId) },
  )) {
    const decoded = decodeMessage(m, subjects);
    if (!decoded.ok) {
      rejected.push({ seq: m.seq, reason: decoded.reason });
      continue;
    }
    chunk.push(decoded.event);
    if (chunk.length >= CHUNK) fold();
  }
  fold();

  const editsOf = new Map<string, Json[]>();
  for (const e of edits.sort((a, b) => a.seq - b.seq)) {
    const list = editsOf.get(e.messageId) ?? [];
    list.push(columnsOf(messageEdits, e));
    editsOf.set(e.messageId, list);
  }
  const isBlocked = (c: ConversationRow) =>
    c.friendId !== null && state.blocked.get(blockKey(c.accountId, c.friendId)) != null;
  const conversationJson = (c: ConversationRow) => ({
    ...columnsOf(conversations, c, ['search']),
    is_blocked: isBlocked(c),
  });
  const messageJson = (m: MessageRow): MessageAt => ({
    ...columnsOf(messages, m, ['search', 'search_keys']),
    edits: editsOf.get(m.id) ?? [],
  });
  const messagesJson = (conversationId: string | null) =>
    [...state.messages.values()]
      .filter(
        (m) =>
          m.accountId === q.accountId && (conversationId === null || m.conversationId === conversationId),
      )
      .sort(byConversationAndTime)
      .map(messageJson);

  if (q.conversationId) {
    const c = state.conversations.get(q.conversationId);
    return {
      at_seq: q.atSeq,
      account_id: q.accountId,
      conversation: c && c.accountId === q.accountId ? conversationJson(c) : null,
      messages: c ? messagesJson(c.id) : [],
    };
  }
  const account = state.accounts.get(q.accountId);
  return {
    at_seq: q.atSeq,
    account_id: q.accountId,
    account: account ? columnsOf(accounts, account) : null,
    conversations: [...state.conversations.values()]
      .filter((c) => c.accountId === q.accountId)
      .sort((a, b) => a.createdSeq - b.createdSeq)
      .map(conversationJson),
    blocked_users: [...state.blocked.values()]
      .filter((b) => b !== null && b.accountId === q.accountId)
      .sort((a, b) => a!.blockedSeq - b!.blockedSeq)
      .map((b) => columnsOf(blockedUsers, b!)),
    messages: messagesJson(null),
    rejected,
  };
}

/** Messages in the order a conversation shows them, oldest first; edits and recalls without a capture last. */
function byConversationAndTime(a: MessageRow, b: MessageRow): number {
  return (
    (a.conversationId ?? '\uffff').localeCompare(b.conversationId ?? '\uffff') ||
    (a.createdAt ?? Number.MAX_SAFE_INTEGER) - (b.createdAt ?? Number.MAX_SAFE_INTEGER) ||
    (a.captureSeq ?? a.version) - (b.captureSeq ?? b.version)
  );
}

/**
 * After the last message of a conversation is recalled, the newest visible one takes its place
 * (in the projection a query does this, `recomputeLastMessages`; here every message is in
 * memory).
 */
function recomputeLastMessages(state: FoldState): void {
  for (const id of state.recomputeLast) {
    const c = state.conversations.get(id)!;
    let best: MessageRow | null = null;
    for (const m of messagesOf(state, id)) {
      if (m.captureSeq === null || m.recalled) continue;
      if (
        !best ||
        m.createdAt! > best.createdAt! ||
        (m.createdAt === best.createdAt && m.captureSeq > best.captureSeq!)
      ) {
        best = m;
      }
    }
    c.lastMessageId = best?.id ?? null;
    c.lastMessage = best?.content ?? null;
    c.lastMessageTime = best?.createdAt ?? null;
    c.lastMessageSeq = best?.captureSeq ?? null;
  }
}

/** What a batch collects for its writes, cleared so the next chunk starts as a new batch. */
function resetBatch(state: FoldState): void {
  state.edits = [];
  state.outcomes = [];
  for (const set of Object.values(state.dirty)) set.clear();
  state.recomputeLast.clear();
  state.renamed.clear();
  state.friendSince.clear();
  // a user unblocked in the batch is gone, as its row is from the table
  for (const [k, v] of state.blocked) if (v === null) state.blocked.delete(k);
}

/** A row with the read model's column names (`friend_name`), as the table stores it. */
function columnsOf(table: Table, row: object, omit: readonly string[] = []): Json {
  const out: Json = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) {
    if (omit.includes(col.name)) continue;
    out[col.name] = (row as Record<string, unknown>)[key];
  }
  return out;
}
