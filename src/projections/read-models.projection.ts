import type { Tx } from '../db/client.js';
import { rowCodec } from '../db/bulk.js';
import { accounts, conversations, messageEdits, messages, users } from '../db/schema.js';
import { emptyFoldState, foldBatch, keysOf, type SequencedEvent } from './fold.js';

const messageRows = rowCodec(messages, ['id']);
const editRows = rowCodec(messageEdits, ['seq']);
const conversationRows = rowCodec(conversations, ['id']);
const userRows = rowCodec(users, ['platform_user_id']);
const accountRows = rowCodec(accounts, ['account_id']);

/**
 * Applies a batch to messages, conversations, users and accounts inside the caller's
 * transaction: load the rows the batch touches, fold the events over them in memory
 * (pure), then write every changed row back with one statement per table.
 */
export async function applyReadModels(tx: Tx, batch: readonly SequencedEvent[]): Promise<void> {
  if (batch.length === 0) return;
  const keys = keysOf(batch);
  const state = emptyFoldState();

  const [loadedMessages, loadedUsers, loadedAccounts] = await Promise.all([
    messageRows.load(tx, 'id', [...keys.messageIds]),
    userRows.load(tx, 'platform_user_id', [...keys.userIds]),
    accountRows.load(tx, 'account_id', [...keys.accountIds]),
  ]);
  for (const m of loadedMessages) {
    state.messages.set(m.id, m);
    if (m.conversationId) keys.conversationIds.add(m.conversationId);
  }
  for (const u of loadedUsers) state.users.set(u.platformUserId, u);
  for (const a of loadedAccounts) state.accounts.set(a.accountId, a);
  for (const c of await conversationRows.load(tx, 'id', [...keys.conversationIds])) state.conversations.set(c.id, c);

  foldBatch(state, batch);

  const pick = <T>(map: Map<string, T>, dirty: Set<string>) => [...dirty].map((k) => map.get(k)!);
  await messageRows.upsert(tx, pick(state.messages, state.dirty.messages));
  await Promise.all([
    editRows.insertNew(tx, state.edits),
    conversationRows.upsert(tx, pick(state.conversations, state.dirty.conversations)),
    userRows.upsert(tx, pick(state.users, state.dirty.users)),
    accountRows.upsert(tx, pick(state.accounts, state.dirty.accounts)),
  ]);
  if (state.recomputeLast.size > 0) await recomputeLastMessage(tx, [...state.recomputeLast]);
}

/** After the last message of a conversation is recalled, the newest visible one takes its place. */
async function recomputeLastMessage(tx: Tx, conversationIds: string[]): Promise<void> {
  await tx`
    update conversations c set
      last_message_id = l.id, last_message = l.content,
      last_message_time = l.created_at, last_message_seq = l.capture_seq
    from (select cid, m.id, m.content, m.created_at, m.capture_seq
          from unnest(${conversationIds}::text[]) as cid
          left join lateral (
            select id, content, created_at, capture_seq from messages
            where conversation_id = cid and capture_seq is not null and not recalled
            order by created_at desc, capture_seq desc limit 1) m on true) l
    where c.id = l.cid`;
}
