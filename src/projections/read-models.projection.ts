import { COPY_MIN_ROWS, rowCodec } from '../db/bulk.js';
import type { Queryable, Tx } from '../db/client.js';
import {
  accounts,
  actionOutcomes,
  apiKeys,
  blockedUsers,
  conversations,
  messageEdits,
  messages,
  replies,
  users,
} from '../db/schema.js';
import { searchIndex, searchVector } from '../search/tokenizer.js';
import {
  type AccountRow,
  type ApiKeyRow,
  type BatchKeys,
  type BlockedRow,
  blockKey,
  type ConversationRow,
  emptyFoldState,
  type FoldState,
  foldBatch,
  keysOf,
  type MessageRow,
  putMessage,
  type ReplyRow,
  type SequencedEvent,
  type UserRow,
} from './fold.js';
import { IdFilter } from './id-filter.js';

const messageRows = rowCodec(messages, ['id']);
/** A message's search vector and keys: never read back, kept as stored or computed afresh. */
const SEARCH_COLUMNS = ['search', 'search_keys'];
const editRows = rowCodec(messageEdits, ['message_id', 'seq']);
const conversationRows = rowCodec(conversations, ['id']);
const userRows = rowCodec(users, ['platform_user_id']);
const accountRows = rowCodec(accounts, ['account_id']);
const blockedRows = rowCodec(blockedUsers, ['account_id', 'platform_user_id']);
const outcomeRows = rowCodec(actionOutcomes, ['account_id', 'seq']);
const replyRows = rowCodec(replies, ['reply_id']);
const apiKeyRows = rowCodec(apiKeys, ['key_id']);

/**
 * NOTIFY channel on which a batch that created or revoked API keys names them (a comma-separated
 * list of key ids), when it commits: processes that cache keys forget them at once.
 */
export const API_KEYS_CHANNEL = 'imhub_api_keys';

/** A bounded map that forgets the least recently used entry first. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
}

export interface ReadModelsOptions {
  /** Conversations, users and accounts kept in memory after they are written. */
  cacheSize?: number;
  /**
   * Keep changed conversations, users and accounts in memory (up to `cacheSize` of each) and
   * write them only when they leave it or at `flush()`, instead of in every batch: a bulk replay
   * into empty tables changes most conversations in every batch. A conversation's search vector
   * is computed then too, once, from its friend's name and last message at that point. Only
   * for a replay that is thrown away if it fails: until `flush()` the tables lag behind the
   * checkpoint.
   *
   * When the messages table is empty at the first batch, the ids of the messages written are
   * kept in a filter of fixed size (`IdFilter`), and a batch reads back only the messages
   * that may be in the table: the new ones need no lookup.
   */
  writeBack?: boolean;
  /**
   * Set when other projectors (of the log's other partitions) write the same tables: users are
   * shared by accounts of every partition, and a friend's new name reaches conversations in
   * other partitions. Each batch then takes, before it reads anything, a transaction lock per
   * user it touches and per friend of the conversations it touches, all in one statement in
   * one global order (so two partitions' batches can wait for each other but never deadlock),
   * and keeps no users or conversations in memory between batches. `owns` says which accounts
   * are this projector's: a rename moves the `version` of those conversations only, since a
   * version is a sequence of the account's own stream.
   */
  shared?: { owns(accountId: string): boolean };
}

/** The transaction locks a shared batch takes: one per user id, in the order of their keys. */
async function lockUsers(tx: Tx, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await tx`
    select count(pg_advisory_xact_lock(k)) from (
      select distinct hashtextextended('im-hub:user:' || u, 0) as k from unnest(${userIds as string[]}::text[]) u
      order by k) locks`;
}

/**
 * The friends of the conversations a batch touches (directly, or through its messages). A
 * conversation's friend is set once, by its own account's projector, so the answer cannot change
 * before the batch locks them; a conversation that gets its friend in this batch gets a sender
 * of the batch, which is locked anyway.
 */
async function friendsOf(tx: Tx, conversationIds: Set<string>, messageIds: Set<string>): Promise<string[]> {
  if (conversationIds.size === 0 && messageIds.size === 0) return [];
  const rows = await tx<{ friend_id: string }[]>`
    select distinct friend_id from conversations where friend_id is not null and (
      id = any(${[...conversationIds]}::text[])
      or id in (select conversation_id from messages where id = any(${[...messageIds]}::text[])))`;
  return rows.map((r) => r.friend_id);
}

/**
 * The rows a staged batch writes, as it writes them: a batch staged while the one before it
 * is still committing reads these instead of the tables (`stage`). Blocked users are null
 * where the batch deletes them.
 */
export interface Overlay {
  messages: Map<string, MessageRow>;
  conversations: Map<string, ConversationRow>;
  users: Map<string, UserRow>;
  accounts: Map<string, AccountRow>;
  replies: Map<string, ReplyRow>;
  apiKeys: Map<string, ApiKeyRow>;
  blocked: Map<string, BlockedRow | null>;
}

/** A batch folded and ready to write: `write` sends its statements in the caller's transaction. */
export interface StagedBatch {
  /** Returns what to do once the transaction has committed (remember the written rows). */
  write(tx: Tx): Promise<() => void>;
  /** What `write` writes, for the batch staged next (`stage`). */
  overlay: Overlay;
}

/** Copies of `overlay`'s rows with these keys into `into`; returns the keys it does not have. */
function fromOverlay<R extends object>(
  overlay: Map<string, R> | undefined,
  keys: Iterable<string>,
  into: Map<string, R>,
): string[] {
  const missing: string[] = [];
  for (const k of keys) {
    const row = overlay?.get(k);
    // a copy: the batch being written still encodes the overlay's own rows
    if (row) into.set(k, { ...row });
    else missing.push(k);
  }
  return missing;
}

/** A whole-conversation mark-read reads these: unread inbound captured messages. */
const isUnread = (m: MessageRow) => m.direction === 'inbound' && m.captureSeq !== null && m.readAt === null;

/**
 * A batch whose keys are known before its events exist: a bulk replay makes each chunk's
 * events only as they are folded, so that they die young instead of living (and being copied
 * by the garbage collector) until the batch is written. `keys` must be `keysOf` the events.
 */
export interface StreamedBatch {
  keys: BatchKeys;
  events: Iterable<SequencedEvent>;
}

/** A row kept in memory instead of written (`writeBack`), and whether the table has it yet. */
interface Held<R> {
  row: R;
  inDb: boolean;
}

/**
 * Secondary indexes the projection's own reads use while it loads (a whole-conversation
 * mark-read and a recalled last message read a conversation's messages; a friend's rename reads
 * their conversations). A replay into empty tables keeps these and builds the others after.
 */
export const LOAD_INDEXES = ['messages_conversation_created_idx', 'conversations_friend_idx'] as const;

/** The search text of a conversation: its friend's name and its last message. */
const conversationSearchText = (c: { friendName: string | null; lastMessage: string | null }) =>
  `${c.friendName ?? ''}\n${c.lastMessage ?? ''}`;

/**
 * The work of an event that needs no database: the search vector of the text it brings.
 * Pure, so it can run anywhere before the batch is applied (another thread, say).
 */
export function prepareEvent(e: SequencedEvent): SequencedEvent {
  const text =
    e.event.type === 'MessageCaptured'
      ? e.event.payload.content
      : e.event.type === 'MessageEdited'
        ? e.event.payload.new_content
        : null;
  if (text !== null) e.search = { text, ...searchIndex(text) };
  return e;
}

/**
 * Messages, edits, conversations, users, accounts and replies. Each batch: load the rows it touches,
 * fold the events over them in memory (pure), then write the changed rows back with one
 * statement per table and kind (COPY for new rows, one UPDATE for changed ones).
 *
 * The projector is the only writer of these tables, so rows it wrote are kept in a
 * write-through cache and not read again; `reset()` forgets them (after an error, or when
 * anything else may have changed the tables).
 */
export function createReadModelsProjection(options: ReadModelsOptions = {}) {
  const size = options.cacheSize ?? 50_000;
  const writeBack = options.writeBack ?? false;
  const shared = options.shared ?? null;
  if (shared && writeBack) throw new Error('a shared projection cannot hold rows back');
  const cache = {
    conversations: new Lru<ConversationRow>(size),
    users: new Lru<UserRow>(size),
    accounts: new Lru<AccountRow>(size),
  };
  /** Messages written by this projection, when it started on an empty table (`writeBack`). */
  let written: IdFilter | null | undefined = writeBack ? undefined : null;
  /**
   * Whether the conversations table may have rows (`writeBack`, which holds conversations in
   * memory until they leave it: false from an empty table until one is written). While it has
   * none, a friend's rename finds their conversations in memory alone, without a query.
   */
  let conversationsStored = !writeBack;
  const held = {
    conversations: new Map<string, Held<ConversationRow>>(),
    users: new Map<string, Held<UserRow>>(),
    accounts: new Map<string, Held<AccountRow>>(),
  };
  /**
   * The held conversations by their friend (`writeBack`): a rename reaches them without going
   * through every held row (all of a replay's conversations, often), once a batch.
   */
  const heldByFriend = new FriendIndex();

  /** Fills `into` from the cache (or the held rows), returns the keys still to load. */
  function fromCache<R>(
    lru: Lru<R>,
    hold: Map<string, Held<R>>,
    keys: Iterable<string>,
    into: Map<string, R>,
  ): string[] {
    const missing: string[] = [];
    for (const k of keys) {
      // a copy, so that a batch that fails leaves the cache as committed; held rows need none:
      // a replay that fails is thrown away. Shared users and conversations are never cached:
      // another partition's projector may have changed them (accounts are a partition's own).
      const cached = !shared || lru === cache.accounts;
      const hit = writeBack ? hold.get(k)?.row : cached ? lru.get(k) : undefined;
      if (hit) into.set(k, writeBack ? hit : { ...hit });
      else missing.push(k);
    }
    return missing;
  }

  /**
   * Reads the rows a batch touches: from memory (held or cached rows), from `overlay` (the
   * rows of a batch still being written), else from the tables.
   */
  async function load(q: Queryable, keys: BatchKeys, overlay: Overlay | null) {
    const state = emptyFoldState();
    if (shared) {
      const tx = q as Tx; // a shared projection is only applied inside a transaction (`apply`)
      const friends = await friendsOf(
        tx,
        new Set([...keys.conversationIds, ...keys.unreadOf]),
        keys.messageIds,
      );
      await lockUsers(tx, [...new Set([...keys.userIds, ...friends])]);
    }
    const newer = new Map<string, MessageRow>(); // the overlay's, put in after the tables' rows
    const messageIds = fromOverlay(overlay?.messages, keys.messageIds, newer);
    // The reads that need nothing from one another go out together (a replay into empty tables
    // waits on each round trip): a whole-conversation mark-read's unread messages, blocked users.
    const unreadQuery =
      keys.unreadOf.size > 0
        ? q
            .unsafe(
              `select ${messageRows.columns(SEARCH_COLUMNS)} from messages where conversation_id = any($1::text[])
                and direction = 'inbound' and capture_seq is not null and read_at is null`,
              [[...keys.unreadOf]],
              { prepare: true },
            )
            .execute()
        : null;
    const blocked: typeof keys.blocked = [];
    for (const b of keys.blocked) {
      const k = blockKey(b.accountId, b.platformUserId);
      if (!overlay?.blocked.has(k)) blocked.push(b);
      else if (overlay.blocked.get(k)) state.blocked.set(k, { ...overlay.blocked.get(k)! });
    }
    const blockedQuery =
      blocked.length > 0
        ? q`
        select * from blocked_users where (account_id, platform_user_id) in (
          select * from unnest(${blocked.map((b) => b.accountId)}::text[], ${blocked.map((b) => b.platformUserId)}::text[]))`.execute()
        : null;
    // awaited below; a failure before that is reported by the first await that fails
    unreadQuery?.catch(() => {});
    blockedQuery?.catch(() => {});
    const [loadedMessages, loadedUsers, loadedAccounts, loadedReplies, loadedKeys] = await Promise.all([
      messageRows.load(
        q,
        'id',
        written ? messageIds.filter((id) => written!.mayHave(id)) : messageIds,
        SEARCH_COLUMNS,
      ),
      userRows.load(
        q,
        'platform_user_id',
        fromOverlay(
          overlay?.users,
          fromCache(cache.users, held.users, keys.userIds, state.users),
          state.users,
        ),
      ),
      accountRows.load(
        q,
        'account_id',
        fromOverlay(
          overlay?.accounts,
          fromCache(cache.accounts, held.accounts, keys.accountIds, state.accounts),
          state.accounts,
        ),
      ),
      replyRows.load(q, 'reply_id', fromOverlay(overlay?.replies, keys.replyIds, state.replies)),
      apiKeyRows.load(q, 'key_id', fromOverlay(overlay?.apiKeys, keys.apiKeyIds, state.apiKeys)),
    ]);
    for (const m of [...loadedMessages, ...newer.values()]) {
      putMessage(state, m);
      if (m.conversationId) keys.conversationIds.add(m.conversationId);
    }
    if (unreadQuery) {
      // a whole-conversation mark-read reads every unread inbound message of it
      for (const r of await unreadQuery) {
        let m = messageRows.fromDb(r);
        if (state.messages.has(m.id)) continue;
        const newer = overlay?.messages.get(m.id);
        if (newer) {
          if (!isUnread(newer)) continue; // read by the batch being written
          m = { ...newer };
        }
        putMessage(state, m);
      }
      if (overlay) {
        for (const m of overlay.messages.values()) {
          if (m.conversationId === null || !keys.unreadOf.has(m.conversationId)) continue;
          if (isUnread(m) && !state.messages.has(m.id)) putMessage(state, { ...m });
        }
      }
    }
    for (const u of loadedUsers) state.users.set(u.platformUserId, u);
    for (const a of loadedAccounts) state.accounts.set(a.accountId, a);
    for (const r of loadedReplies) state.replies.set(r.replyId, r);
    for (const k of loadedKeys) state.apiKeys.set(k.keyId, k);
    const missing = fromOverlay(
      overlay?.conversations,
      fromCache(cache.conversations, held.conversations, keys.conversationIds, state.conversations),
      state.conversations,
    );
    for (const c of await conversationRows.load(q, 'id', missing)) state.conversations.set(c.id, c);
    if (blockedQuery) {
      for (const r of await blockedQuery) {
        const row = blockedRows.fromDb(r);
        state.blocked.set(blockKey(row.accountId, row.platformUserId), row);
      }
    }
    const existing = {
      messages: new Set(state.messages.keys()),
      conversations: new Set(state.conversations.keys()),
      users: new Set(state.users.keys()),
      accounts: new Set(state.accounts.keys()),
      replies: new Set(state.replies.keys()),
      apiKeys: new Set(state.apiKeys.keys()),
    };
    return { state, existing };
  }

  return {
    reset(): void {
      cache.conversations.clear();
      cache.users.clear();
      cache.accounts.clear();
    },

    /** Writes the rows held in memory (`writeBack`); a no-op otherwise. */
    async flush(tx: Tx): Promise<void> {
      if (held.conversations.size > 0) conversationsStored = true;
      heldByFriend.clear();
      await writeRows(
        tx,
        conversationRows,
        release(held.conversations, [...held.conversations.keys()], withSearch),
      );
      await writeRows(tx, userRows, release(held.users, [...held.users.keys()]));
      await writeRows(tx, accountRows, release(held.accounts, [...held.accounts.keys()]));
    },

    /**
     * The work of an event that needs no database (`prepareEvent`). The projector calls it
     * while the previous batch commits, so tokenizing overlaps with Postgres's work instead of
     * holding the transaction open.
     */
    prepare: prepareEvent,

    /**
     * Applies the batch inside the caller's transaction. Returns what to do once the
     * transaction has committed (remember the written rows).
     */
    async apply(tx: Tx, batch: readonly SequencedEvent[]): Promise<() => void> {
      if (batch.length === 0) return () => {};
      return (await stage(tx, batch, null)).write(tx);
    },

    /**
     * Loads and folds a batch outside any transaction, ready to `write` in one later: so a bulk
     * replay folds batch N + 1 while batch N commits. `previous` is the batch staged before
     * this one if it may not have committed yet; the one before that must have. Its rows take
     * the place of the tables' (which may or may not show them yet). Only for a projection
     * that holds rows back (`writeBack`), the tables' only writer.
     */
    async stage(
      sql: Queryable,
      batch: readonly SequencedEvent[] | StreamedBatch,
      previous: StagedBatch | null,
    ): Promise<StagedBatch> {
      if (!writeBack) throw new Error('only a projection that holds rows back stages batches ahead');
      return stage(sql, batch, previous?.overlay ?? null);
    },
  };

  /**
   * Loads what the batch touches (`load`), folds it, and decides what to write: everything
   * but the statements, which `write` sends.
   */
  async function stage(
    q: Queryable,
    batch: readonly SequencedEvent[] | StreamedBatch,
    overlay: Overlay | null,
  ): Promise<StagedBatch> {
    if (written === undefined) {
      const [row] = await q.unsafe(`select exists (select 1 from "${messageRows.name}") as some`);
      written = row!.some ? null : new IdFilter();
      const [conversation] = await q.unsafe(
        `select exists (select 1 from "${conversationRows.name}") as some`,
      );
      conversationsStored = conversation!.some;
    }
    const { keys, events } = Array.isArray(batch)
      ? { keys: keysOf(batch), events: batch }
      : (batch as StreamedBatch);
    const { state, existing } = await load(q, keys, overlay);
    // the messages as loaded: a changed one is written back as its changed columns alone
    const loadedMessages = new Map<string, MessageRow>();
    for (const [id, m] of state.messages) loadedMessages.set(id, { ...m });
    const prepared = new Map<string, { vector: string; keys: string[] }>();
    foldBatch(
      state,
      (function* () {
        for (const e of events) {
          if (e.search) prepared.set(e.search.text, e.search);
          yield e;
        }
      })(),
    );
    await renameFriends(
      conversationsStored ? q : null,
      state,
      existing,
      writeBack ? { rows: held.conversations, byFriend: heldByFriend } : null,
      shared,
      overlay,
    );
    if (state.recomputeLast.size > 0) await recomputeLastMessages(q, state, overlay);
    // A message whose content the batch did not change (read, recalled) keeps its vector: it
    // is neither computed again nor sent back.
    for (const id of state.dirty.messages) {
      const m = state.messages.get(id)!;
      const before = loadedMessages.get(id);
      if (before === undefined || before.content !== m.content) {
        const index = m.content === null ? null : (prepared.get(m.content) ?? searchIndex(m.content));
        m.search = index?.vector ?? null;
        m.searchKeys = index?.keys ?? null;
      }
    }
    if (!writeBack) {
      for (const id of state.dirty.conversations) {
        const c = state.conversations.get(id)!;
        c.search = searchVector(conversationSearchText(c));
      }
    }

    const split = <R>(map: Map<string, R>, dirty: Set<string>, known: Set<string>) => {
      const fresh: R[] = [];
      const changed: R[] = [];
      for (const k of dirty) (known.has(k) ? changed : fresh).push(map.get(k)!);
      return [fresh, changed] as const;
    };
    const [newMessages, changedMessages] = split(state.messages, state.dirty.messages, existing.messages);
    // Changed messages by the columns that changed (a read sets two of them): each group is
    // one UPDATE of those columns alone. A new vector goes with a new content.
    const messageUpdates = new Map<string, { columns: string[]; rows: MessageRow[] }>();
    for (const m of changedMessages) {
      const columns = messageRows.changed(loadedMessages.get(m.id)!, m, SEARCH_COLUMNS);
      if (columns.length === 0) continue;
      if (columns.includes('content')) columns.push(...SEARCH_COLUMNS);
      const key = columns.join(',');
      const group = messageUpdates.get(key);
      if (group) group.rows.push(m);
      else messageUpdates.set(key, { columns, rows: [m] });
    }
    if (written) for (const m of newMessages) written.add(m.id);
    // With `writeBack`, conversations, users and accounts stay in memory and only the oldest
    // leave it, written; otherwise every changed one is written.
    if (writeBack) {
      for (const id of state.dirty.conversations) heldByFriend.add(state.conversations.get(id)!);
    }
    const [newConversations, changedConversations] = writeBack
      ? holdRows(
          held.conversations,
          state.conversations,
          state.dirty.conversations,
          existing.conversations,
          size,
          withSearch,
        )
      : split(state.conversations, state.dirty.conversations, existing.conversations);
    if (writeBack) {
      for (const c of newConversations) heldByFriend.remove(c);
      for (const c of changedConversations) heldByFriend.remove(c);
    }
    if (newConversations.length > 0 || changedConversations.length > 0) conversationsStored = true;
    const [newUsers, changedUsers] = writeBack
      ? holdRows(held.users, state.users, state.dirty.users, existing.users, size)
      : split(state.users, state.dirty.users, existing.users);
    const [newAccounts, changedAccounts] = writeBack
      ? holdRows(held.accounts, state.accounts, state.dirty.accounts, existing.accounts, size)
      : split(state.accounts, state.dirty.accounts, existing.accounts);
    const [newReplies, changedReplies] = split(state.replies, state.dirty.replies, existing.replies);
    const [newKeys, changedKeys] = split(state.apiKeys, state.dirty.apiKeys, existing.apiKeys);
    const byKey = <R>(rows: readonly R[], key: (r: R) => string) => new Map(rows.map((r) => [key(r), r]));
    const blocks = new Map<string, BlockedRow | null>();
    for (const k of state.dirty.blocked) blocks.set(k, state.blocked.get(k) ?? null);

    let rowsWritten: Overlay | undefined;
    return {
      // made when asked for: only a batch staged ahead reads it
      get overlay() {
        rowsWritten ??= {
          messages: byKey([...newMessages, ...changedMessages], (m) => m.id),
          conversations: byKey([...newConversations, ...changedConversations], (c) => c.id),
          users: byKey([...newUsers, ...changedUsers], (u) => u.platformUserId),
          accounts: byKey([...newAccounts, ...changedAccounts], (a) => a.accountId),
          replies: byKey([...newReplies, ...changedReplies], (r) => r.replyId),
          apiKeys: byKey([...newKeys, ...changedKeys], (k) => k.keyId),
          blocked: blocks,
        };
        return rowsWritten;
      },

      async write(tx: Tx): Promise<() => void> {
        // Bulk COPYs first, one at a time; then every other statement at once, pipelined on the
        // transaction's connection: a small batch costs a single round trip here.
        const writes: Promise<unknown>[] = [];
        const insert = async <R>(
          codec: { insert(tx: Tx, rows: readonly R[]): Promise<void> },
          rows: readonly R[],
        ) => {
          if (rows.length >= COPY_MIN_ROWS) await codec.insert(tx, rows);
          else {
            const done = codec.insert(tx, rows);
            done.catch(() => {}); // Promise.all below reports it; a COPY may be awaited first
            writes.push(done);
          }
        };
        await insert(messageRows, newMessages);
        await insert(editRows, state.edits);
        await insert(outcomeRows, state.outcomes);
        await insert(conversationRows, newConversations);
        await insert(userRows, newUsers);
        await insert(accountRows, newAccounts);
        await insert(replyRows, newReplies);
        await insert(apiKeyRows, newKeys);
        for (const { columns, rows } of messageUpdates.values()) {
          writes.push(messageRows.update(tx, rows, columns));
        }
        writes.push(
          conversationRows.update(tx, changedConversations),
          userRows.update(tx, changedUsers),
          accountRows.update(tx, changedAccounts),
          replyRows.update(tx, changedReplies),
          apiKeyRows.update(tx, changedKeys),
        );
        if (state.dirty.apiKeys.size > 0) {
          writes.push(tx`select pg_notify(${API_KEYS_CHANNEL}, ${[...state.dirty.apiKeys].join(',')})`);
        }
        writes.push(
          blockedRows.upsert(
            tx,
            [...blocks.values()].filter((b) => b !== null),
          ),
        );
        const unblocked = [...blocks].filter(([, b]) => b === null).map(([k]) => k.split('\u0000'));
        if (unblocked.length > 0) {
          writes.push(tx`
            delete from blocked_users where (account_id, platform_user_id) in (
              select * from unnest(${unblocked.map((u) => u[0]!)}::text[], ${unblocked.map((u) => u[1]!)}::text[]))`);
        }
        await Promise.all(writes);
        if (writeBack) return () => {};
        return () => {
          for (const id of state.dirty.accounts) cache.accounts.set(id, state.accounts.get(id)!);
          if (shared) return; // other partitions' projectors write these too
          for (const id of state.dirty.conversations)
            cache.conversations.set(id, state.conversations.get(id)!);
          for (const id of state.dirty.users) cache.users.set(id, state.users.get(id)!);
        };
      },
    };
  }
}
export type ReadModelsProjection = ReturnType<typeof createReadModelsProjection>;

type Codec<R> = {
  insert(tx: Tx, rows: readonly R[]): Promise<void>;
  update(tx: Tx, rows: readonly R[]): Promise<void>;
};

/** A conversation with the search vector of what it shows now. */
const withSearch = (c: ConversationRow) => {
  c.search = searchVector(conversationSearchText(c));
};

/** Inserts the new rows and updates the changed ones. */
async function writeRows<R>(tx: Tx, codec: Codec<R>, [fresh, changed]: readonly [R[], R[]]) {
  await codec.insert(tx, fresh);
  await codec.update(tx, changed);
}

/** Conversation ids by friend id; a conversation without a friend is in none. */
class FriendIndex {
  private readonly byFriend = new Map<string, Set<string>>();
  private static readonly NONE: ReadonlySet<string> = new Set();

  add(c: ConversationRow): void {
    if (c.friendId === null) return;
    const ids = this.byFriend.get(c.friendId);
    if (ids) ids.add(c.id);
    else this.byFriend.set(c.friendId, new Set([c.id]));
  }

  remove(c: ConversationRow): void {
    if (c.friendId === null) return;
    const ids = this.byFriend.get(c.friendId);
    if (ids?.delete(c.id) && ids.size === 0) this.byFriend.delete(c.friendId);
  }

  of(friendId: string): ReadonlySet<string> {
    return this.byFriend.get(friendId) ?? FriendIndex.NONE;
  }

  clear(): void {
    this.byFriend.clear();
  }
}

/**
 * Lets the held rows with these keys go, each completed by `finish` first; returns them to
 * write: those the table does not have yet, and those it has.
 */
function release<R>(
  hold: Map<string, Held<R>>,
  keys: readonly string[],
  finish?: (row: R) => void,
): [R[], R[]] {
  const fresh: R[] = [];
  const changed: R[] = [];
  for (const k of keys) {
    const h = hold.get(k)!;
    finish?.(h.row);
    (h.inDb ? changed : fresh).push(h.row);
    hold.delete(k);
  }
  return [fresh, changed];
}

/**
 * Keeps a batch's changed rows in memory (`writeBack`) and clears them from `dirty`; past
 * `limit` the ones held longest are let go, and returned to write (as `release`).
 */
function holdRows<R>(
  hold: Map<string, Held<R>>,
  rows: Map<string, R>,
  dirty: Set<string>,
  existing: Set<string>,
  limit: number,
  finish?: (row: R) => void,
): [R[], R[]] {
  // (in first-changed order: the rows that leave first are the ones changed longest ago)
  for (const k of dirty) {
    const before = hold.get(k);
    if (before) before.row = rows.get(k)!;
    else hold.set(k, { row: rows.get(k)!, inDb: existing.has(k) });
  }
  dirty.clear();
  if (hold.size <= limit) return [[], []];
  const leaving: string[] = [];
  for (const k of hold.keys()) {
    if (hold.size - leaving.length <= Math.floor(limit * 0.9)) break;
    leaving.push(k);
  }
  return release(hold, leaving, finish);
}

/**
 * A friend's new name reaches every conversation with them, in this account or another: the
 * fold renamed those in the batch; the others are read and updated like any other, at the
 * sequence of the rename.
 */
async function renameFriends(
  q: Queryable | null,
  state: FoldState,
  existing: { conversations: Set<string> },
  held: { rows: Map<string, Held<ConversationRow>>; byFriend: FriendIndex } | null,
  shared: ReadModelsOptions['shared'] | null,
  overlay: Overlay | null,
) {
  if (state.renamed.size === 0) return;
  // the batch's own conversations are skipped here rather than in the query: a list of all of
  // them would cost more to send than the few extra rows
  // (no query when the table has no conversations yet: `q` null)
  const rows = q
    ? await q`select * from conversations where friend_id = any(${[...state.renamed.keys()]}::text[])`
    : [];
  const found = rows.map((r) => conversationRows.fromDb(r)).filter((c) => !state.conversations.has(c.id));
  if (overlay) {
    // the batch being written has these rows newer than the table, and some not in it yet
    const fromTable = new Set(found.map((c) => c.id));
    for (const [i, c] of found.entries()) {
      const newer = overlay.conversations.get(c.id);
      if (newer) found[i] = { ...newer };
    }
    for (const c of overlay.conversations.values()) {
      if (c.friendId === null || !state.renamed.has(c.friendId)) continue;
      if (!fromTable.has(c.id) && !state.conversations.has(c.id)) found.push({ ...c });
    }
  }
  if (held) {
    // held rows are newer than the table's, and some are not in the table yet
    const fromTable = new Set(found.map((c) => c.id));
    for (const [i, c] of found.entries()) {
      const h = held.rows.get(c.id);
      if (h) found[i] = h.row;
    }
    for (const friend of state.renamed.keys()) {
      for (const id of held.byFriend.of(friend)) {
        const h = held.rows.get(id);
        if (h && !fromTable.has(id) && !state.conversations.has(id)) found.push(h.row);
      }
    }
  }
  for (const c of found) {
    c.friendName = state.users.get(c.friendId!)!.name;
    // another partition's conversation keeps its version: ours is a sequence of another stream
    if (!shared || shared.owns(c.accountId)) c.version = Math.max(c.version, state.renamed.get(c.friendId!)!);
    state.conversations.set(c.id, c);
    existing.conversations.add(c.id);
    state.dirty.conversations.add(c.id);
  }
}

/**
 * After the last message of a conversation is recalled, the newest visible one takes its
 * place: the newest in the database among messages the batch did not touch, or one the
 * batch holds, whichever is newer.
 */
async function recomputeLastMessages(q: Queryable, state: FoldState, overlay: Overlay | null) {
  const ids = [...state.recomputeLast];
  // the table's messages of these conversations that the batch, or the one being written, holds
  // newer are offered from memory instead
  const newer = new Set<string>();
  const candidates = [...state.messages.values(), ...(overlay?.messages.values() ?? [])];
  for (const m of candidates)
    if (m.conversationId && state.recomputeLast.has(m.conversationId)) newer.add(m.id);
  const rows = await q<
    { id: string; conversation_id: string; content: string | null; created_at: number; capture_seq: number }[]
  >`
    select distinct on (conversation_id) id, conversation_id, content, created_at, capture_seq from messages
    where conversation_id = any(${ids}::text[]) and capture_seq is not null and not recalled
      and id not in (select unnest(${[...newer]}::text[]))
    order by conversation_id, created_at desc, capture_seq desc`;
  type Last = { id: string; content: string | null; createdAt: number; seq: number };
  const best = new Map<string, Last>();
  const offer = (conv: string, l: Last) => {
    const b = best.get(conv);
    if (!b || l.createdAt > b.createdAt || (l.createdAt === b.createdAt && l.seq > b.seq)) best.set(conv, l);
  };
  for (const r of rows)
    offer(r.conversation_id, { id: r.id, content: r.content, createdAt: r.created_at, seq: r.capture_seq });
  for (const m of candidates) {
    if (
      m.conversationId &&
      state.recomputeLast.has(m.conversationId) &&
      m.captureSeq !== null &&
      !m.recalled &&
      (state.messages.get(m.id) ?? m) === m // not an overlay row the batch holds a newer copy of
    ) {
      offer(m.conversationId, { id: m.id, content: m.content, createdAt: m.createdAt!, seq: m.captureSeq });
    }
  }
  for (const id of ids) {
    const c = state.conversations.get(id)!;
    const l = best.get(id);
    c.lastMessageId = l?.id ?? null;
    c.lastMessage = l?.content ?? null;
    c.lastMessageTime = l?.createdAt ?? null;
    c.lastMessageSeq = l?.seq ?? null;
    state.dirty.conversations.add(id);
  }
}
