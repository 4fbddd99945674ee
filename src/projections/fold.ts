import type {
  accounts,
  apiKeys,
  blockedUsers,
  conversations,
  messages,
  replies,
  users,
} from '../db/schema.js';
import {
  conversationId,
  type EventOf,
  type HubEvent,
  MAX_TAGS,
  messageId,
  type Sender,
} from '../events/index.js';
import { IdFilter } from './id-filter.js';

export type MessageRow = typeof messages.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type AccountRow = typeof accounts.$inferSelect;
export type BlockedRow = typeof blockedUsers.$inferSelect;
export type ReplyRow = typeof replies.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ReplyStatus = 'pending' | 'sent' | 'failed' | 'expired';
export interface EditRow {
  seq: number;
  messageId: string;
  content: string;
  editedAt: number;
  editedBy: string;
}

/** An event, the stream sequence it is stored at, and the hub ids it refers to. */
export interface SequencedEvent {
  seq: number;
  event: HubEvent;
  /** The message and conversation the event is about, where it names them. */
  ids: { message: string | null; conversation: string | null };
  /**
   * The search vector and keys of the text the event brings (a capture's content, an edit's new
   * content), computed ahead of the batch's transaction (see `prepare` in the projection).
   */
  search?: { text: string; vector: string; keys: string[] };
}

/** Derives the ids once per event (hashing is the fold's most expensive step otherwise). */
export function sequenced(seq: number, event: HubEvent): SequencedEvent {
  switch (event.type) {
    case 'MessageCaptured':
      return {
        seq,
        event,
        ids: {
          message: messageId(event.account_id, event.payload.platform_message_id),
          conversation: conversationId(
            event.account_id,
            event.payload.channel,
            event.payload.conversation_id,
          ),
        },
      };
    case 'MessageEdited':
    case 'MessageRecalled':
      return {
        seq,
        event,
        ids: { message: messageId(event.account_id, event.payload.platform_message_id), conversation: null },
      };
    case 'ConversationPinned':
    case 'ConversationUnpinned':
    case 'ConversationArchived':
    case 'ConversationUnarchived':
    case 'ConversationMuted':
    case 'ConversationTagged':
    case 'ConversationUntagged':
      return { seq, event, ids: { message: null, conversation: event.payload.conversation_id } };
    case 'MessagesMarkedRead':
      return { seq, event, ids: { message: null, conversation: event.payload.conversation_id } };
    case 'UserBlocked':
    case 'UserUnblocked':
    case 'UserProfileObserved':
    case 'AccountRegistered':
    case 'AccountUpdated':
    case 'AccountRemoved':
    case 'ReplyRequested':
    case 'ReplySucceeded':
    case 'ReplyFailed':
    case 'ReplyExpired':
    case 'ApiKeyCreated':
    case 'ApiKeyRevoked':
      return { seq, event, ids: { message: null, conversation: null } };
    default:
      return assertNever(event);
  }
}

/** Key of a blocked-users row. */
export const blockKey = (accountId: string, platformUserId: string) => `${accountId}\u0000${platformUserId}`;

/**
 * The rows one batch may touch, loaded before the fold, and what the fold changed. The fold
 * is pure: it reads and writes only this state, so a replay computes the same rows.
 */
export interface FoldState {
  /** Put messages in with `putMessage`, which keeps `messagesByConversation` up to date. */
  messages: Map<string, MessageRow>;
  /** Ids of the messages in `messages` of each conversation (a whole-conversation mark reads them). */
  messagesByConversation: Map<string, Set<string>>;
  conversations: Map<string, ConversationRow>;
  users: Map<string, UserRow>;
  accounts: Map<string, AccountRow>;
  /** Blocked users by `blockKey`; null once unblocked in this batch. */
  blocked: Map<string, BlockedRow | null>;
  replies: Map<string, ReplyRow>;
  apiKeys: Map<string, ApiKeyRow>;
  edits: EditRow[];
  /** What each action changed (for its answer), by sequence. */
  outcomes: { accountId: string; seq: number; updated: number }[];
  dirty: {
    messages: Set<string>;
    conversations: Set<string>;
    users: Set<string>;
    accounts: Set<string>;
    blocked: Set<string>;
    replies: Set<string>;
    apiKeys: Set<string>;
  };
  /** Conversations whose last message was recalled: their last message is recomputed in SQL. */
  recomputeLast: Set<string>;
  /**
   * Users whose name changed in this batch, with the sequence of the last change: their
   * conversations take the new name, those not in the batch after the fold (in SQL).
   */
  renamed: Map<string, number>;
  /** Conversations that got their friend in this batch, with the sequence it happened at. */
  friendSince: Map<string, number>;
}

export function emptyFoldState(): FoldState {
  return {
    messages: new Map(),
    messagesByConversation: new Map(),
    conversations: new Map(),
    users: new Map(),
    accounts: new Map(),
    blocked: new Map(),
    replies: new Map(),
    apiKeys: new Map(),
    edits: [],
    outcomes: [],
    dirty: {
      messages: new Set(),
      conversations: new Set(),
      users: new Set(),
      accounts: new Set(),
      blocked: new Set(),
      replies: new Set(),
      apiKeys: new Set(),
    },
    recomputeLast: new Set(),
    renamed: new Map(),
    friendSince: new Map(),
  };
}

/** Puts a message into the state (loaded, or created by the fold). */
export function putMessage(state: FoldState, m: MessageRow): void {
  state.messages.set(m.id, m);
  if (m.conversationId === null) return;
  let ids = state.messagesByConversation.get(m.conversationId);
  if (!ids) {
    ids = new Set();
    state.messagesByConversation.set(m.conversationId, ids);
  }
  ids.add(m.id);
}

/** The messages of a conversation that are in the state. */
export function* messagesOf(state: FoldState, conversationId: string): Generator<MessageRow> {
  for (const id of state.messagesByConversation.get(conversationId) ?? []) yield state.messages.get(id)!;
}

/** Ids of the rows a batch touches, to load before folding. */
export function keysOf(batch: readonly SequencedEvent[], met?: MetMessages) {
  const messageIds = new Set<string>();
  const conversationIds = new Set<string>();
  const userIds = new Set<string>();
  const accountIds = new Set<string>();
  const blocked: { accountId: string; platformUserId: string }[] = [];
  const replyIds = new Set<string>();
  const apiKeyIds = new Set<string>();
  /** Conversations marked read as a whole: their unread messages are loaded too. */
  const unreadOf = new Set<string>();
  for (const { event, ids } of batch) {
    if (event.type === 'ApiKeyCreated' || event.type === 'ApiKeyRevoked') {
      apiKeyIds.add(event.payload.key_id);
      continue; // the hub's own: no monitored account
    }
    accountIds.add(event.account_id);
    if (ids.message) {
      // the first mention of a message, when it is a capture, can find no row to load
      if (!met) messageIds.add(ids.message);
      else if (event.type !== 'MessageCaptured') messageIds.add(met.note(ids.message));
      else if (!met.firstCapture(ids.message)) messageIds.add(ids.message);
    }
    if (ids.conversation) conversationIds.add(ids.conversation);
    if (event.type === 'MessageCaptured') userIds.add(event.payload.sender.platform_user_id);
    if (event.type === 'UserProfileObserved') userIds.add(event.payload.user.platform_user_id);
    if (event.type === 'UserBlocked' || event.type === 'UserUnblocked') {
      blocked.push({ accountId: event.account_id, platformUserId: event.payload.platform_user_id });
    }
    if (event.type === 'MessagesMarkedRead') {
      if (event.payload.message_ids)
        for (const id of event.payload.message_ids) messageIds.add(met?.note(id) ?? id);
      else unreadOf.add(event.payload.conversation_id);
    }
    if (
      event.type === 'ReplyRequested' ||
      event.type === 'ReplySucceeded' ||
      event.type === 'ReplyFailed' ||
      event.type === 'ReplyExpired'
    ) {
      replyIds.add(event.payload.reply_id);
    }
  }
  return { messageIds, conversationIds, userIds, accountIds, blocked, replyIds, apiKeyIds, unreadOf };
}

/**
 * The message ids a replay into empty tables has met, in log order, for `keysOf`: a capture of
 * a message no event mentioned before has no row to load (only a capture, edit or recall makes
 * one), so the reader thread leaves it out of the keys it sends. Those were most of a bulk
 * replay's keys, copied between threads and kept for the whole batch. A filter of fixed size
 * (`IdFilter`): a false "met" only costs a lookup that finds nothing.
 */
export class MetMessages {
  private readonly met = new IdFilter();

  /** Remembers a mention of `id`; returns it. */
  note(id: string): string {
    this.met.add(id);
    return id;
  }

  /** Whether a capture of `id` is the first mention of it; remembers it either way. */
  firstCapture(id: string): boolean {
    if (this.met.mayHave(id)) return false;
    this.met.add(id);
    return true;
  }
}

/** Ids of the rows a batch touches (`keysOf`). */
export type BatchKeys = ReturnType<typeof keysOf>;

/** Adds the keys of a later part of a batch: `keysOf` of two parts joined is the two merged. */
export function mergeKeys(into: BatchKeys, more: BatchKeys): BatchKeys {
  for (const k of [
    'messageIds',
    'conversationIds',
    'userIds',
    'accountIds',
    'replyIds',
    'apiKeyIds',
    'unreadOf',
  ] as const) {
    for (const id of more[k]) into[k].add(id);
  }
  for (const b of more.blocked) into.blocked.push(b);
  return into;
}

export function assertNever(x: never): never {
  throw new Error(`unhandled event: ${JSON.stringify(x)}`);
}

/** Applies a batch, in sequence order, to the loaded state. */
export function foldBatch(state: FoldState, batch: Iterable<SequencedEvent>): void {
  for (const e of batch) foldEvent(state, e);
  renameFriends(state);
}

/**
 * A friend's new name reaches the batch's conversations with them, at the sequence of the
 * rename, as if each event were its own batch: so the version does not depend on how the log
 * was cut into batches. (A conversation that got its friend after the rename has the name.)
 */
function renameFriends(state: FoldState): void {
  if (state.renamed.size === 0) return;
  for (const c of state.conversations.values()) {
    const at = c.friendId === null ? undefined : state.renamed.get(c.friendId);
    if (at === undefined || at <= (state.friendSince.get(c.id) ?? 0)) continue;
    c.friendName = state.users.get(c.friendId!)!.name;
    c.version = Math.max(c.version, at);
    state.dirty.conversations.add(c.id);
  }
}

export function foldEvent(state: FoldState, { seq, event, ids }: SequencedEvent): void {
  if (event.type === 'ApiKeyCreated' || event.type === 'ApiKeyRevoked') {
    onApiKeyEvent(state, seq, event); // the hub's own: it touches no monitored account
    return;
  }
  touchAccount(state, event, seq);
  switch (event.type) {
    case 'MessageCaptured':
      onCaptured(state, seq, event, ids.message!, ids.conversation!);
      break;
    case 'MessageEdited':
      onEdited(state, seq, event, ids.message!);
      break;
    case 'MessageRecalled':
      onRecalled(state, seq, event, ids.message!);
      break;
    case 'ConversationPinned':
    case 'ConversationUnpinned':
    case 'ConversationArchived':
    case 'ConversationUnarchived':
    case 'ConversationMuted':
    case 'ConversationTagged':
    case 'ConversationUntagged':
      onConversationAction(state, seq, event);
      break;
    case 'UserBlocked':
    case 'UserUnblocked':
      onBlock(state, seq, event);
      break;
    case 'MessagesMarkedRead':
      onMarkedRead(state, seq, event);
      break;
    case 'UserProfileObserved':
      // a sighting without a message: no message counted, no account added
      observeUser(
        state,
        event.payload.user,
        event.captured_at,
        seq,
        event.payload.observed_at ?? event.occurred_at,
        null,
      );
      break;
    case 'AccountRegistered':
    case 'AccountUpdated':
    case 'AccountRemoved':
      onAccountEvent(state, seq, event);
      break;
    case 'ReplyRequested':
      onReplyRequested(state, seq, event);
      break;
    case 'ReplySucceeded':
    case 'ReplyFailed':
    case 'ReplyExpired':
      onReplyOutcome(state, seq, event);
      break;
    default:
      assertNever(event);
  }
}

function touchAccount(state: FoldState, event: HubEvent, seq: number): AccountRow {
  let a = state.accounts.get(event.account_id);
  if (!a) {
    a = {
      accountId: event.account_id,
      firstSeq: seq,
      lastSeq: seq,
      lastCapturedAt: event.captured_at,
      messageCount: 0,
      conversationCount: 0,
      lastMessageCapturedAt: null,
      displayName: null,
      platform: null,
      status: null,
      notes: null,
      registeredAt: null,
      registeredBy: null,
      registeredSeq: null,
      updatedAt: null,
      removed: false,
      removedAt: null,
      removedBy: null,
      removedSeq: null,
    };
    state.accounts.set(a.accountId, a);
  }
  a.lastSeq = seq;
  a.lastCapturedAt = Math.max(a.lastCapturedAt, event.captured_at);
  state.dirty.accounts.add(a.accountId);
  return a;
}

/** A placeholder for a message known only from an edit or recall that came first. */
function stub(
  id: string,
  accountId: string,
  platformMessageId: string,
  platformConversationId: string,
  seq: number,
): MessageRow {
  return {
    id,
    accountId,
    platformMessageId,
    conversationId: null,
    platformConversationId,
    channel: null,
    direction: null,
    senderId: null,
    content: null,
    originalContent: null,
    messageType: null,
    replyTo: null,
    createdAt: null,
    capturedAt: null,
    captureSeq: null,
    edited: false,
    editedAt: null,
    editSeq: null,
    recalled: false,
    recalledAt: null,
    recalledBy: null,
    recallSeq: null,
    version: seq,
    readAt: null,
    readSeq: null,
    search: null,
    searchKeys: null,
  };
}

function isCaptured(
  m: MessageRow,
): m is MessageRow & { conversationId: string; createdAt: number; captureSeq: number } {
  return m.captureSeq !== null;
}

/** Newest first by platform time, then by capture sequence: the order of "last message". */
function isAfterLast(m: MessageRow & { createdAt: number; captureSeq: number }, c: ConversationRow): boolean {
  if (c.lastMessageTime === null || c.lastMessageSeq === null) return true;
  return (
    m.createdAt > c.lastMessageTime || (m.createdAt === c.lastMessageTime && m.captureSeq > c.lastMessageSeq)
  );
}

function onCaptured(
  state: FoldState,
  seq: number,
  event: EventOf<'MessageCaptured'>,
  id: string,
  convId: string,
): void {
  const p = event.payload;
  const prior = state.messages.get(id);
  const isNew = !prior || !isCaptured(prior);
  observeUser(state, p.sender, event.captured_at, seq, p.created_at, isNew ? event.account_id : null);
  if (!isNew) return; // captured again (another worker, or a re-publish): the first capture stands

  const m: MessageRow = {
    ...(prior ?? stub(id, event.account_id, p.platform_message_id, p.conversation_id, seq)),
    conversationId: convId,
    platformConversationId: p.conversation_id,
    channel: p.channel,
    direction: p.direction,
    senderId: p.sender.platform_user_id,
    content: prior?.edited ? prior.content : p.content,
    // edited before it was captured: the capture is the first version of its history
    originalContent: prior?.edited ? p.content : null,
    messageType: p.message_type,
    replyTo: p.reply_to ?? null,
    createdAt: p.created_at,
    capturedAt: event.captured_at,
    captureSeq: seq,
    version: seq,
  };
  putMessage(state, m);
  state.dirty.messages.add(id);

  const account = state.accounts.get(event.account_id)!;
  account.messageCount += 1;
  account.lastMessageCapturedAt = Math.max(
    account.lastMessageCapturedAt ?? event.captured_at,
    event.captured_at,
  );
  let c = state.conversations.get(convId);
  if (!c) {
    c = {
      id: convId,
      accountId: event.account_id,
      platformConversationId: p.conversation_id,
      channel: p.channel,
      friendId: null,
      friendName: null,
      lastMessageId: null,
      lastMessage: null,
      lastMessageTime: null,
      lastMessageSeq: null,
      messageCount: 0,
      unreadCount: 0,
      createdAt: p.created_at,
      createdSeq: seq,
      version: seq,
      isPinned: false,
      pinnedAt: null,
      isArchived: false,
      muteUntil: null,
      readThrough: null,
      tags: [],
      search: null,
    };
    state.conversations.set(convId, c);
    account.conversationCount += 1;
  }
  c.createdAt = Math.min(c.createdAt, p.created_at);
  c.version = seq;
  if (p.channel === 'direct' && p.direction === 'inbound' && c.friendId === null) {
    c.friendId = p.sender.platform_user_id;
    c.friendName = state.users.get(c.friendId)?.name ?? null;
    state.friendSince.set(convId, seq);
  }
  // Captured late but created before the conversation was read up to: it is read already.
  if (p.direction === 'inbound' && c.readThrough !== null && p.created_at <= c.readThrough) {
    m.readAt = c.readThrough;
    m.readSeq = seq;
  }
  if (!m.recalled) {
    c.messageCount += 1;
    if (p.direction === 'inbound' && m.readAt === null) c.unreadCount += 1;
    if (isCaptured(m) && isAfterLast(m, c)) {
      c.lastMessageId = m.id;
      c.lastMessage = m.content;
      c.lastMessageTime = m.createdAt;
      c.lastMessageSeq = m.captureSeq;
    }
  }
  state.dirty.conversations.add(convId);
}

function onEdited(state: FoldState, seq: number, event: EventOf<'MessageEdited'>, id: string): void {
  const p = event.payload;
  const m =
    state.messages.get(id) ?? stub(id, event.account_id, p.platform_message_id, p.conversation_id, seq);
  state.edits.push({
    seq,
    messageId: id,
    content: p.new_content,
    editedAt: p.edited_at,
    editedBy: p.edited_by,
  });
  // The first edit of a captured message keeps what it replaces as the original version.
  if (isCaptured(m) && !m.edited) m.originalContent = m.content;
  // Edits may be observed out of order: the content is the newest edit by platform time.
  const newest =
    m.editedAt === null || p.edited_at > m.editedAt || (p.edited_at === m.editedAt && seq > (m.editSeq ?? 0));
  if (newest) {
    m.content = p.new_content;
    m.edited = true;
    m.editedAt = p.edited_at;
    m.editSeq = seq;
  }
  m.version = seq;
  putMessage(state, m);
  state.dirty.messages.add(id);
  if (!isCaptured(m)) return;
  const c = state.conversations.get(m.conversationId);
  if (c && c.lastMessageId === id) {
    c.lastMessage = m.content;
    c.version = seq;
    state.dirty.conversations.add(c.id);
  }
}

function onRecalled(state: FoldState, seq: number, event: EventOf<'MessageRecalled'>, id: string): void {
  const p = event.payload;
  const m =
    state.messages.get(id) ?? stub(id, event.account_id, p.platform_message_id, p.conversation_id, seq);
  if (m.recalled) return; // the first recall stands
  m.recalled = true;
  m.recalledAt = p.recalled_at;
  m.recalledBy = p.recalled_by;
  m.recallSeq = seq;
  m.version = seq;
  putMessage(state, m);
  state.dirty.messages.add(id);
  if (!isCaptured(m)) return;
  const c = state.conversations.get(m.conversationId);
  if (!c) throw new Error(`conversation ${m.conversationId} of captured message ${id} was not loaded`);
  c.messageCount -= 1;
  if (m.direction === 'inbound' && m.readAt === null) c.unreadCount -= 1;
  if (c.lastMessageId === id) state.recomputeLast.add(c.id);
  c.version = seq;
  state.dirty.conversations.add(c.id);
}

type ConversationAction = EventOf<
  | 'ConversationPinned'
  | 'ConversationUnpinned'
  | 'ConversationArchived'
  | 'ConversationUnarchived'
  | 'ConversationMuted'
  | 'ConversationTagged'
  | 'ConversationUntagged'
>;

/** An action on a conversation the read model does not have changes nothing. */
function onConversationAction(state: FoldState, seq: number, event: ConversationAction): void {
  const c = state.conversations.get(event.payload.conversation_id);
  if (!c || c.accountId !== event.account_id) return;
  switch (event.type) {
    case 'ConversationPinned':
      if (!c.isPinned) c.pinnedAt = event.occurred_at;
      c.isPinned = true;
      break;
    case 'ConversationUnpinned':
      c.isPinned = false;
      c.pinnedAt = null;
      break;
    case 'ConversationArchived':
      c.isArchived = true;
      break;
    case 'ConversationUnarchived':
      c.isArchived = false;
      break;
    case 'ConversationMuted':
      c.muteUntil = event.payload.mute_until;
      break;
    case 'ConversationTagged': {
      const tags = [...c.tags];
      for (const tag of event.payload.tags) if (!tags.includes(tag) && tags.length < MAX_TAGS) tags.push(tag);
      c.tags = tags;
      break;
    }
    case 'ConversationUntagged':
      c.tags = c.tags.filter((t) => t !== event.payload.tag);
      break;
    default:
      assertNever(event);
  }
  c.version = seq;
  state.dirty.conversations.add(c.id);
}

function markRead(state: FoldState, m: MessageRow, c: ConversationRow, readAt: number, seq: number): boolean {
  if (m.direction !== 'inbound' || m.captureSeq === null || m.readAt !== null) return false;
  m.readAt = readAt;
  m.readSeq = seq; // `version` stays: reading is not a change of the message (see sync)
  state.dirty.messages.add(m.id);
  if (!m.recalled) c.unreadCount -= 1;
  return true;
}

function onMarkedRead(state: FoldState, seq: number, event: EventOf<'MessagesMarkedRead'>): void {
  const p = event.payload;
  const c = state.conversations.get(p.conversation_id);
  let updated = 0;
  if (c && c.accountId === event.account_id) {
    if (p.message_ids) {
      for (const id of p.message_ids) {
        const m = state.messages.get(id);
        if (m && m.conversationId === c.id && markRead(state, m, c, p.read_at, seq)) updated++;
      }
    } else {
      if (c.readThrough === null || p.read_at > c.readThrough) c.readThrough = p.read_at;
      for (const m of messagesOf(state, c.id)) {
        if (m.createdAt !== null && m.createdAt <= p.read_at && markRead(state, m, c, p.read_at, seq)) {
          updated++;
        }
      }
    }
    c.version = seq;
    state.dirty.conversations.add(c.id);
  }
  state.outcomes.push({ accountId: event.account_id, seq, updated });
}

function onBlock(state: FoldState, seq: number, event: EventOf<'UserBlocked' | 'UserUnblocked'>): void {
  const key = blockKey(event.account_id, event.payload.platform_user_id);
  if (event.type === 'UserUnblocked') state.blocked.set(key, null);
  else if (!state.blocked.get(key)) {
    state.blocked.set(key, {
      accountId: event.account_id,
      platformUserId: event.payload.platform_user_id,
      blockedAt: event.occurred_at,
      blockedBy: event.actor ?? null,
      blockedSeq: seq,
    });
  }
  state.dirty.blocked.add(key);
}

/**
 * Each field the observation carries replaces the known value unless that was observed later
 * (by `captured_at`; on a tie the later event in the log wins, and events are folded in log
 * order). So every field ends with the value of the newest observation that carried it: a late,
 * older observation never overwrites a newer one, only fills what is still unknown, and the
 * result does not depend on the order observations reach the log.
 *
 * `messageTo` is the account of a newly captured message the user sent (counted, and the
 * account added to the user's), or null for a re-capture or a profile seen without a message.
 */
function observeUser(
  state: FoldState,
  sender: Sender,
  capturedAt: number,
  seq: number,
  seenAt: number,
  messageTo: string | null,
): void {
  let u = state.users.get(sender.platform_user_id);
  if (!u) {
    u = {
      platformUserId: sender.platform_user_id,
      name: null,
      avatar: null,
      signature: null,
      followerCount: null,
      followingCount: null,
      videoCount: null,
      isVerified: null,
      profileCapturedAt: capturedAt,
      profileSeq: seq,
      firstSeenAt: seenAt,
      lastSeenAt: seenAt,
      messageCount: 0,
      accounts: [],
      nameCapturedAt: null,
      avatarCapturedAt: null,
      signatureCapturedAt: null,
      followerCountCapturedAt: null,
      followingCountCapturedAt: null,
      videoCountCapturedAt: null,
      isVerifiedCapturedAt: null,
    };
    state.users.set(u.platformUserId, u);
  }
  // Field by field, each spelled out: a loop over the field names made every read and write a
  // lookup by a name known only at run time, for every message captured.
  const newer = (at: number | null) => at === null || at <= capturedAt;
  if (sender.name !== undefined && newer(u.nameCapturedAt)) {
    u.nameCapturedAt = capturedAt;
    if (u.name !== sender.name) {
      u.name = sender.name;
      u.profileSeq = seq;
      state.renamed.set(u.platformUserId, seq);
    }
  }
  if (sender.avatar !== undefined && newer(u.avatarCapturedAt)) {
    u.avatarCapturedAt = capturedAt;
    if (u.avatar !== sender.avatar) {
      u.avatar = sender.avatar;
      u.profileSeq = seq;
    }
  }
  if (sender.signature !== undefined && newer(u.signatureCapturedAt)) {
    u.signatureCapturedAt = capturedAt;
    if (u.signature !== sender.signature) {
      u.signature = sender.signature;
      u.profileSeq = seq;
    }
  }
  if (sender.follower_count !== undefined && newer(u.followerCountCapturedAt)) {
    u.followerCountCapturedAt = capturedAt;
    if (u.followerCount !== sender.follower_count) {
      u.followerCount = sender.follower_count;
      u.profileSeq = seq;
    }
  }
  if (sender.following_count !== undefined && newer(u.followingCountCapturedAt)) {
    u.followingCountCapturedAt = capturedAt;
    if (u.followingCount !== sender.following_count) {
      u.followingCount = sender.following_count;
      u.profileSeq = seq;
    }
  }
  if (sender.video_count !== undefined && newer(u.videoCountCapturedAt)) {
    u.videoCountCapturedAt = capturedAt;
    if (u.videoCount !== sender.video_count) {
      u.videoCount = sender.video_count;
      u.profileSeq = seq;
    }
  }
  if (sender.is_verified !== undefined && newer(u.isVerifiedCapturedAt)) {
    u.isVerifiedCapturedAt = capturedAt;
    if (u.isVerified !== sender.is_verified) {
      u.isVerified = sender.is_verified;
      u.profileSeq = seq;
    }
  }
  u.profileCapturedAt = Math.max(u.profileCapturedAt, capturedAt);
  u.firstSeenAt = Math.min(u.firstSeenAt, seenAt);
  u.lastSeenAt = Math.max(u.lastSeenAt, seenAt);
  if (messageTo !== null) {
    u.messageCount += 1;
    // a new array: the row may be shared with the projection's cache until the batch commits
    if (!u.accounts.includes(messageTo)) u.accounts = [...u.accounts, messageTo];
  }
  state.dirty.users.add(u.platformUserId);
}

/**
 * Operators' account events. The first registration stands while the account is registered;
 * after a removal a registration brings the account back (its history never left). Updates
 * and removals of a removed account change nothing. Times are the events' `occurred_at`.
 */
function onAccountEvent(
  state: FoldState,
  seq: number,
  event: EventOf<'AccountRegistered' | 'AccountUpdated' | 'AccountRemoved'>,
): void {
  const a = state.accounts.get(event.account_id)!; // made by touchAccount if new
  switch (event.type) {
    case 'AccountRegistered': {
      if (a.registeredAt !== null && !a.removed) return;
      const p = event.payload;
      Object.assign(a, {
        displayName: p.display_name,
        platform: p.platform,
        status: p.status,
        notes: p.notes,
        registeredAt: event.occurred_at,
        registeredBy: event.actor ?? null,
        registeredSeq: seq,
        updatedAt: event.occurred_at,
        removed: false,
        removedAt: null,
        removedBy: null,
        removedSeq: null,
      } satisfies Partial<AccountRow>);
      break;
    }
    case 'AccountUpdated': {
      if (a.removed) return;
      const p = event.payload;
      if (p.display_name !== undefined) a.displayName = p.display_name;
      if (p.platform !== undefined) a.platform = p.platform;
      if (p.status !== undefined) a.status = p.status;
      if (p.notes !== undefined) a.notes = p.notes;
      a.updatedAt = event.occurred_at;
      break;
    }
    case 'AccountRemoved':
      if (a.removed) return;
      a.removed = true;
      a.removedAt = event.occurred_at;
      a.removedBy = event.actor ?? null;
      a.removedSeq = seq;
      break;
    default:
      assertNever(event);
  }
}

/**
 * API keys. The first creation of a key id stands (a repeat past JetStream's window changes
 * nothing); a revocation is final, and one of an unknown key changes nothing.
 */
function onApiKeyEvent(
  state: FoldState,
  seq: number,
  event: EventOf<'ApiKeyCreated' | 'ApiKeyRevoked'>,
): void {
  const k = state.apiKeys.get(event.payload.key_id);
  switch (event.type) {
    case 'ApiKeyCreated': {
      if (k) return;
      const p = event.payload;
      state.apiKeys.set(p.key_id, {
        keyId: p.key_id,
        name: p.name,
        role: p.role,
        accounts: p.accounts === 'all' ? null : p.accounts,
        secretSha256: p.secret_sha256,
        createdAt: p.created_at,
        createdBy: event.actor ?? null,
        createdSeq: seq,
        revokedAt: null,
        revokedBy: null,
        revokedSeq: null,
      });
      break;
    }
    case 'ApiKeyRevoked':
      if (!k || k.revokedSeq !== null) return;
      k.revokedAt = event.payload.revoked_at;
      k.revokedBy = event.actor ?? null;
      k.revokedSeq = seq;
      break;
    default:
      assertNever(event);
  }
  state.dirty.apiKeys.add(event.payload.key_id);
}

/** The first request of a reply id stands: a repeat (past JetStream's window) changes nothing. */
function onReplyRequested(state: FoldState, seq: number, event: EventOf<'ReplyRequested'>): void {
  const p = event.payload;
  if (state.replies.has(p.reply_id)) return;
  state.replies.set(p.reply_id, {
    replyId: p.reply_id,
    accountId: event.account_id,
    conversationId: conversationId(event.account_id, p.channel, p.conversation_id),
    channel: p.channel,
    platformConversationId: p.conversation_id,
    replyTo: p.reply_to ?? null,
    content: p.content,
    idempotencyKey: p.idempotency_key,
    requestedBy: event.actor ?? null,
    requestedAt: p.requested_at,
    expiresAt: p.expires_at,
    requestSeq: seq,
    status: 'pending' satisfies ReplyStatus,
    attempts: 0,
    platformMessageId: null,
    failureReason: null,
    sentAt: null,
    failedAt: null,
    expiredAt: null,
    version: seq,
  });
  state.dirty.replies.add(p.reply_id);
}

/**
 * The first outcome in log order settles a pending reply. One exception: a success after
 * the reply expired makes it `sent` (keeping `expired_at`), because it was sent, only late;
 * expiry is the hub giving up, not a fact about the platform. Any other later outcome stays
 * in the log only. An outcome for an unknown reply, or one of another account, changes nothing.
 */
function onReplyOutcome(
  state: FoldState,
  seq: number,
  event: EventOf<'ReplySucceeded' | 'ReplyFailed' | 'ReplyExpired'>,
): void {
  const r = state.replies.get(event.payload.reply_id);
  if (!r || r.accountId !== event.account_id) return;
  switch (event.type) {
    case 'ReplySucceeded':
      if (r.status !== 'pending' && r.status !== 'expired') return;
      r.status = 'sent' satisfies ReplyStatus;
      r.platformMessageId = event.payload.platform_message_id;
      r.sentAt = event.payload.sent_at;
      r.attempts = event.payload.attempts;
      break;
    case 'ReplyFailed':
      if (r.status !== 'pending') return;
      r.status = 'failed' satisfies ReplyStatus;
      r.failureReason = event.payload.reason;
      r.failedAt = event.payload.failed_at;
      r.attempts = event.payload.attempts;
      break;
    case 'ReplyExpired':
      if (r.status !== 'pending') return;
      r.status = 'expired' satisfies ReplyStatus;
      r.expiredAt = event.payload.expired_at;
      break;
    default:
      assertNever(event);
  }
  r.version = seq;
  state.dirty.replies.add(r.replyId);
}
