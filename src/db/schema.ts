import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

// Every read model below is a projection of the log and can be dropped and rebuilt from it.
// Times are epoch milliseconds taken from events (never the wall clock), so a replay writes
// the same bytes. `*_seq` columns are stream sequences.

const ms = (name: string) => bigint(name, { mode: 'number' });
const seq = (name: string) => bigint(name, { mode: 'number' });
/** Kept as its text form (`'好笑':2 …`), built by `src/search/tokenizer.ts`. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * One row per message identity `(account_id, platform_message_id)`; `id` is derived from
 * that identity (`messageId()`), so a look-up by identity is a look-up by primary key. A row whose
 * `capture_seq` is null holds an edit or recall that reached the log before its message.
 */
export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    platformMessageId: text('platform_message_id').notNull(),
    conversationId: text('conversation_id'),
    platformConversationId: text('platform_conversation_id').notNull(),
    channel: text('channel'),
    direction: text('direction'),
    senderId: text('sender_id'),
    content: text('content'),
    /**
     * The content as first captured, kept once the message is edited (null while it never was):
     * the first version of its history (`message_edits` holds the others).
     */
    originalContent: text('original_content'),
    messageType: text('message_type'),
    replyTo: text('reply_to'),
    createdAt: ms('created_at'),
    capturedAt: ms('captured_at'),
    captureSeq: seq('capture_seq'),
    edited: boolean('edited').notNull().default(false),
    editedAt: ms('edited_at'),
    editSeq: seq('edit_seq'),
    recalled: boolean('recalled').notNull().default(false),
    recalledAt: ms('recalled_at'),
    recalledBy: text('recalled_by'),
    recallSeq: seq('recall_seq'),
    /** Sequence of the last event that changed this message (capture, edit, recall; not a read). */
    version: seq('version').notNull(),
    /** When it was read (the read action's `read_at`); null while unread. Only inbound messages are read. */
    readAt: ms('read_at'),
    readSeq: seq('read_seq'),
    /** Search lexemes of the current content (CJK bigrams, words, symbols, with positions). */
    search: tsvector('search'),
    /** What the content contains, as the message search index finds it (see `searchKeys`); collation "C" (drizzle/0018). */
    searchKeys: text('search_keys').array(),
  },
  (t) => [
    index('messages_conversation_created_idx')
      .on(t.conversationId, t.createdAt.desc(), t.captureSeq.desc())
      .where(sql`${t.captureSeq} is not null`),
    index('messages_account_created_idx')
      .on(t.accountId, t.createdAt.desc(), t.captureSeq.desc())
      .where(sql`${t.captureSeq} is not null`),
    index('messages_sender_idx').on(t.senderId),
    index('messages_account_version_idx').on(t.accountId, t.version),
    index('messages_account_read_idx').on(t.accountId, t.readSeq).where(sql`${t.readSeq} is not null`),
    index('messages_search_keys_idx').using('gin', t.searchKeys),
    // the newest matches of a common search key, walking back from now
    index('messages_created_idx')
      .on(t.createdAt.desc(), t.captureSeq.desc())
      .where(sql`${t.captureSeq} is not null`),
  ],
);

/** Every edit as its own row: the message's version history. */
export const messageEdits = pgTable(
  'message_edits',
  {
    /** The edit's sequence, in the stream of the message's account (so unique with the message). */
    seq: seq('seq').notNull(),
    messageId: text('message_id').notNull(),
    content: text('content').notNull(),
    editedAt: ms('edited_at').notNull(),
    editedBy: text('edited_by').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.seq] }),
    index('message_edits_message_idx').on(t.messageId, t.editedAt, t.seq),
  ],
);

/** A DM thread, or the comments under one video, of one monitored account. */
export const conversations = pgTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    platformConversationId: text('platform_conversation_id').notNull(),
    channel: text('channel').notNull(),
    /** For DMs, the other party: the sender of the first inbound message. */
    friendId: text('friend_id'),
    /** The friend's newest name, kept here so that the list sorts and searches by it. */
    friendName: text('friend_name'),
    lastMessageId: text('last_message_id'),
    lastMessage: text('last_message'),
    lastMessageTime: ms('last_message_time'),
    lastMessageSeq: seq('last_message_seq'),
    messageCount: integer('message_count').notNull(),
    unreadCount: integer('unread_count').notNull(),
    /** Platform time of the first message; `created_seq` the sequence that created the row. */
    createdAt: ms('created_at').notNull(),
    createdSeq: seq('created_seq').notNull(),
    version: seq('version').notNull(),
    isPinned: boolean('is_pinned').notNull().default(false),
    /** When it was pinned (the action's time), for the order among pinned conversations. */
    pinnedAt: ms('pinned_at'),
    isArchived: boolean('is_archived').notNull().default(false),
    /** Muted until this time (epoch ms); null when not muted. */
    muteUntil: ms('mute_until'),
    /** Everything inbound created at or before this time is read (the newest whole-conversation mark). */
    readThrough: ms('read_through'),
    /** Tags in the order they were first added. */
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    /** Search lexemes of the friend's name and the last message (see `src/search/tokenizer.ts`). */
    search: tsvector('search'),
  },
  (t) => [
    // One index per list order, so a page is an index range scan whatever the account's size.
    index('conversations_account_last_idx').on(
      t.accountId,
      t.lastMessageTime.desc().nullsLast(),
      t.lastMessageSeq.desc(),
    ),
    index('conversations_account_unread_idx').on(
      t.accountId,
      t.unreadCount.desc(),
      t.lastMessageTime.desc().nullsLast(),
      t.lastMessageSeq.desc(),
    ),
    index('conversations_account_name_idx').on(t.accountId, sql`${t.friendName} collate "zh-x-icu"`, t.id),
    index('conversations_account_created_idx').on(t.accountId, t.createdAt),
    index('conversations_account_version_idx').on(t.accountId, t.version),
    index('conversations_friend_idx').on(t.friendId),
    index('conversations_account_pinned_idx')
      .on(t.accountId, t.pinnedAt.desc().nullsLast(), t.id)
      .where(sql`${t.isPinned}`),
    index('conversations_search_idx').using('gin', t.search),
    // unread totals read only conversations with unread messages
    index('conversations_account_unread_total_idx')
      .on(t.accountId, t.unreadCount, t.muteUntil, t.isArchived, t.friendId)
      .where(sql`${t.unreadCount} > 0`),
  ],
);

/** What an action changed, for its answer: e.g. how many messages a mark-read made read. */
export const actionOutcomes = pgTable(
  'action_outcomes',
  {
    /** The account that acted: a sequence is one of its partition's stream. */
    accountId: text('account_id').notNull(),
    seq: seq('seq').notNull(),
    updated: integer('updated').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.seq] })],
);

/** Users a monitored account's clients blocked. */
export const blockedUsers = pgTable(
  'blocked_users',
  {
    accountId: text('account_id').notNull(),
    platformUserId: text('platform_user_id').notNull(),
    blockedAt: ms('blocked_at').notNull(),
    blockedBy: text('blocked_by'),
    blockedSeq: seq('blocked_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.platformUserId] })],
);

/**
 * The newest profile seen of each platform user, from the senders of captured messages and from
 * `UserProfileObserved`. Each profile field holds the value of the newest observation that
 * carried it (by `captured_at`, then log order), and `*_captured_at` says when that was, so the
 * result does not depend on the order observations reach the log.
 */
export const users = pgTable('users', {
  platformUserId: text('platform_user_id').primaryKey(),
  name: text('name'),
  avatar: text('avatar'),
  signature: text('signature'),
  followerCount: bigint('follower_count', { mode: 'number' }),
  followingCount: bigint('following_count', { mode: 'number' }),
  videoCount: bigint('video_count', { mode: 'number' }),
  isVerified: boolean('is_verified'),
  /** `captured_at` of the newest observation of any field. */
  profileCapturedAt: ms('profile_captured_at').notNull(),
  /** Sequence of the last event that changed a profile field's value. */
  profileSeq: seq('profile_seq').notNull(),
  /** Platform times of the first and last sighting: a message's `created_at`, an observation's `observed_at`. */
  firstSeenAt: ms('first_seen_at').notNull(),
  lastSeenAt: ms('last_seen_at').notNull(),
  /** Messages they sent (each captured message once; profile observations are not messages). */
  messageCount: integer('message_count').notNull(),
  /** The monitored accounts they sent messages to, in the order of their first message to each. */
  accounts: text('accounts').array().notNull().default(sql`'{}'::text[]`),
  // when each field's value was observed (null while the field is unknown)
  nameCapturedAt: ms('name_captured_at'),
  avatarCapturedAt: ms('avatar_captured_at'),
  signatureCapturedAt: ms('signature_captured_at'),
  followerCountCapturedAt: ms('follower_count_captured_at'),
  followingCountCapturedAt: ms('following_count_captured_at'),
  videoCountCapturedAt: ms('video_count_captured_at'),
  isVerifiedCapturedAt: ms('is_verified_captured_at'),
});

/**
 * Every monitored account: seen on the log (any event names it), registered by an operator
 * (`AccountRegistered`), or both. A removed account keeps its row, flagged, with its counts.
 */
export const accounts = pgTable('accounts', {
  accountId: text('account_id').primaryKey(),
  firstSeq: seq('first_seq').notNull(),
  lastSeq: seq('last_seq').notNull(),
  /** `captured_at` of the account's newest event of any kind. */
  lastCapturedAt: ms('last_captured_at').notNull(),
  messageCount: integer('message_count').notNull(),
  conversationCount: integer('conversation_count').notNull(),
  /** `captured_at` of the newest message a worker captured (its first capture); null before one. */
  lastMessageCapturedAt: ms('last_message_captured_at'),
  // what operators say about it (null until registered or updated)
  displayName: text('display_name'),
  platform: text('platform'),
  status: text('status'),
  notes: text('notes'),
  /** The registration that stands (null while only seen on the log). */
  registeredAt: ms('registered_at'),
  registeredBy: text('registered_by'),
  registeredSeq: seq('registered_seq'),
  /** Time of the last registration or update. */
  updatedAt: ms('updated_at'),
  removed: boolean('removed').notNull().default(false),
  removedAt: ms('removed_at'),
  removedBy: text('removed_by'),
  removedSeq: seq('removed_seq'),
});

/**
 * Replies operators asked workers to send, one row per `reply_id` (the first request stands).
 * `status` is `pending` until the first outcome in log order: `sent`, `failed` or `expired`;
 * a success after expiry still makes it `sent` (it was sent, late).
 */
export const replies = pgTable(
  'replies',
  {
    replyId: text('reply_id').primaryKey(),
    accountId: text('account_id').notNull(),
    /** The hub's conversation id (`c_…`) of the thread or video replied in. */
    conversationId: text('conversation_id').notNull(),
    channel: text('channel').notNull(),
    platformConversationId: text('platform_conversation_id').notNull(),
    /** The platform id of the comment replied to. */
    replyTo: text('reply_to'),
    content: text('content').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    requestedBy: text('requested_by'),
    requestedAt: ms('requested_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    requestSeq: seq('request_seq').notNull(),
    status: text('status').notNull(),
    /** Deliveries to the worker, as its outcome reported them (0 while pending). */
    attempts: integer('attempts').notNull(),
    /** The sent reply's id on the platform. */
    platformMessageId: text('platform_message_id'),
    failureReason: text('failure_reason'),
    sentAt: ms('sent_at'),
    failedAt: ms('failed_at'),
    expiredAt: ms('expired_at'),
    /** Sequence of the last event that changed this reply. */
    version: seq('version').notNull(),
  },
  (t) => [
    index('replies_seq_idx').on(t.requestSeq),
    index('replies_account_seq_idx').on(t.accountId, t.requestSeq),
    index('replies_account_status_seq_idx').on(t.accountId, t.status, t.requestSeq),
    index('replies_status_seq_idx').on(t.status, t.requestSeq),
    // the sweeper's question: which pending replies are past their time
    index('replies_pending_expiry_idx').on(t.expiresAt).where(sql`${t.status} = 'pending'`),
  ],
);

/** Events on the log that failed validation: recorded, skipped, never retried. */
export const rejectedEvents = pgTable(
  'rejected_events',
  {
    stream: text('stream').notNull(),
    seq: seq('seq').notNull(),
    subject: text('subject').notNull(),
    reason: text('reason').notNull(),
    /** The body as stored (UTF-8, or base64 prefixed `base64:` when it is not valid UTF-8). */
    raw: text('raw').notNull(),
    /** When the log stored it (from the stream, not the wall clock). */
    storedAt: ms('stored_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.stream, t.seq] })],
);

/**
 * The head of the audit hash chain over the stream (`src/log/chain.ts`): the last sequence
 * chained and its hash. Written in the projector's transaction, with the read models.
 */
export const auditChainHeads = pgTable('audit_chain_heads', {
  stream: text('stream').primaryKey(),
  seq: seq('seq').notNull(),
  /** SHA-256, 64 lowercase hex digits. */
  hash: text('hash').notNull(),
});

/**
 * The chain's hash at every sequence that is a multiple of the checkpoint interval
 * (`AUDIT_CHECKPOINT_EVERY`); hashes in between are recomputed from the log when asked.
 */
export const auditChainCheckpoints = pgTable(
  'audit_chain_checkpoints',
  {
    stream: text('stream').notNull(),
    seq: seq('seq').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.stream, t.seq] })],
);

/** The last stream sequence each projector applied, written in the same transaction. */
export const projectorCheckpoints = pgTable('projector_checkpoints', {
  projector: text('projector').primaryKey(),
  lastSeq: seq('last_seq').notNull(),
});

/**
 * API keys, from `ApiKeyCreated` / `ApiKeyRevoked` (so they survive a rebuild like any read
 * model). Only the SHA-256 of a key's secret is kept; `accounts` null means every account.
 */
export const apiKeys = pgTable('api_keys', {
  keyId: text('key_id').primaryKey(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  /** The accounts the key may see; null: all of them. */
  accounts: text('accounts').array(),
  /** SHA-256 of the secret, 64 hex digits. */
  secretSha256: text('secret_sha256').notNull(),
  createdAt: ms('created_at').notNull(),
  createdBy: text('created_by'),
  createdSeq: seq('created_seq').notNull(),
  revokedAt: ms('revoked_at'),
  revokedBy: text('revoked_by'),
  revokedSeq: seq('revoked_seq'),
});
