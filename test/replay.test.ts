import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumReadModels, READ_MODEL_TABLES } from '../src/db/checksum.js';
import { conversationId, EVENT_TYPES, type HubEvent, messageId } from '../src/events/index.js';
import { chatEvents, pmid } from './support/chat-events.js';
import {
  createTestDatabase,
  createTestLog,
  projectedTo,
  startTestProjector,
  type TestLog,
} from './support/env.js';
import { hubEvents } from './support/hub-events.js';

// The log is the source of truth: a stream holding every event type, projected into two
// fresh databases (one event per batch, and large batches), gives the same read models.

let log: TestLog;
let dbs: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
let lastSeq = 0;
let published: HubEvent[] = [];
const A = 'dy_旗舰店';
const B = 'dy_10086';
const T = 1_760_000_500_000;

/** A bit of everything, including repeats, early edits, stray outcomes and removed accounts. */
function history(): HubEvent[] {
  const chat = chatEvents('replay-chat');
  const hub = hubEvents('replay-hub');
  let actions = 0;
  const conv = (account: string, k: number) => conversationId(account, 'direct', `会话${k}`);
  const action = (account: string, k: number, type: string, extra: object = {}, at = T): HubEvent =>
    ({
      event_id: `replay-act-${++actions}`,
      type,
      schema_version: 1,
      account_id: account,
      occurred_at: at,
      captured_at: at,
      actor: 'ops_wang',
      payload: { conversation_id: conv(account, k), ...extra },
    }) as HubEvent;
  const events: HubEvent[] = [hub.registered(A, T - 10_000, { notes: '大客户' })];
  for (const account of [A, B]) {
    events.push(chat(account, { kind: 'edit', msg: 4 })); // an edit before its message
    for (let msg = 0; msg < 12; msg++)
      events.push(chat(account, { kind: 'capture', msg, inbound: msg % 4 !== 3 }));
    events.push(
      chat(account, { kind: 'edit', msg: 3 }),
      chat(account, { kind: 'recall', msg: 5 }),
      chat(account, { kind: 'read', conv: 1 }),
      chat(account, { kind: 'capture', msg: 2 }), // a re-capture: the first stands
    );
  }
  events.push(
    action(A, 0, 'ConversationPinned'),
    action(A, 1, 'ConversationPinned'),
    action(A, 1, 'ConversationUnpinned', {}, T + 1),
    action(A, 2, 'ConversationArchived'),
    action(B, 2, 'ConversationArchived'),
    action(B, 2, 'ConversationUnarchived', {}, T + 1),
    action(A, 0, 'ConversationMuted', { mute_until: T + 3_600_000 }),
    action(A, 0, 'ConversationTagged', { tags: ['重要', '客户', 'VIP'] }),
    action(A, 0, 'ConversationUntagged', { tag: 'VIP' }, T + 1),
    {
      event_id: 'replay-read-ids',
      type: 'MessagesMarkedRead',
      schema_version: 1,
      account_id: B,
      occurred_at: T,
      captured_at: T,
      payload: {
        conversation_id: conv(B, 0),
        read_at: T,
        message_ids: [messageId(B, pmid(0)), messageId(B, '不存在')],
      },
    },
    {
      event_id: 'replay-block-1',
      type: 'UserBlocked',
      schema_version: 1,
      account_id: A,
      occurred_at: T,
      captured_at: T,
      payload: { platform_user_id: '粉丝_1' },
    },
    {
      event_id: 'replay-block-2',
      type: 'UserBlocked',
      schema_version: 1,
      account_id: B,
      occurred_at: T,
      captured_at: T,
      payload: { platform_user_id: '粉丝_2' },
    },
    {
      event_id: 'replay-unblock-2',
      type: 'UserUnblocked',
      schema_version: 1,
      account_id: B,
      occurred_at: T + 1,
      captured_at: T + 1,
      payload: { platform_user_id: '粉丝_2' },
    },
    {
      event_id: 'replay-profile-1',
      type: 'UserProfileObserved',
      schema_version: 1,
      account_id: B,
      occurred_at: T,
      captured_at: T + 5,
      payload: { user: { platform_user_id: '粉丝_0', name: '粉丝零号', follower_count: 88 }, observed_at: T },
    },
    hub.updated(A, T + 100, { status: 'paused', notes: null }),
    hub.registered(B, T + 200),
    hub.requested(A, 'k-sent', T + 300),
    hub.requested(A, 'k-failed', T + 310, { channel: 'comment', conv: '视频_1', replyTo: '评论_1' }),
    hub.requested(A, 'k-expired', T + 320, { timeoutMs: 1000 }),
    hub.requested(B, 'k-pending', T + 330),
    hub.succeeded(A, 'k-sent', T + 400, 'dm_sent_1', 2),
    hub.failed(A, 'k-failed', T + 410, '评论已被删除'),
    hub.expired(A, 'k-expired', T + 1320),
    hub.succeeded(A, 'k-expired', T + 1400, 'dm_late_1'), // late: still sent
    hub.succeeded(A, 'k-unknown', T + 500, 'dm_stray'), // an outcome for no request
    {
      ...hub.requested(A, 'k-sent', T + 600, { content: '换了内容' }),
      event_id: 'replay-repeat-after-window',
    },
    hub.removed(B, T + 700),
    chat(B, { kind: 'capture', msg: 20 }), // a worker still reporting for a removed account
    hub.updated(B, T + 800, { display_name: '删了还改' }),
    hub.keyCreated('00000000000000a1', T + 900, 'reader', [A]),
    hub.keyCreated('00000000000000a2', T + 901, 'admin'),
    hub.keyRevoked('00000000000000a1', T + 950),
    hub.keyRevoked('00000000000000a1', T + 960), // again: the first stands
    { ...hub.keyCreated('00000000000000a2', T + 970, 'reader'), event_id: 'replay-key-again' }, // the first stands
    hub.keyRevoked('00000000000000ff', T + 980), // an unknown key: nothing
  );
  return events;
}

beforeAll(async () => {
  log = await createTestLog('replay');
  published = history();
  const results = await log.publisher.publishMany(published, 1);
  // every event is stored: none shares an event id with another by accident
  expect(results.filter((r) => r.duplicate)).toEqual([]);
  const bad = await log.js.publish(
    log.subjects.event(A, 'ReplyRequested'),
    new TextEncoder().encode('{"type":1}'),
  );
  lastSeq = Math.max(bad.seq, ...results.map((r) => r.seq));
  dbs = await Promise.all([createTestDatabase('replay_one'), createTestDatabase('replay_many')]);
});

afterAll(async () => {
  for (const db of dbs) await db.drop();
  await log?.close();
});

describe('replay', () => {
  it('the test log holds every event type there is', () => {
    expect(new Set(published.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
  });

  it('rebuilds users, histories, replies and accounts identically, however the log is cut into batches', async () => {
    const [one, many] = dbs as [(typeof dbs)[0], (typeof dbs)[0]];
    for (const [db, batchSize] of [
      [one, 1],
      [many, 25_000],
    ] as const) {
      // a short chain interval, so that the log has chain checkpoints to compare too
      const p = startTestProjector(log, db, { batchSize, chainCheckpointEvery: 3 });
      await projectedTo(db, p.name, lastSeq);
      await p.stop();
    }
    const [a, b] = await Promise.all([checksumReadModels(one.sql), checksumReadModels(many.sql)]);
    // every read model has rows, so the comparison compares something
    expect(a.map((t) => t.table)).toEqual(Object.keys(READ_MODEL_TABLES));
    for (const t of a) expect([t.table, t.rows > 0]).toEqual([t.table, true]);
    expect(b).toEqual(a);

    const replies = await one.sql<{ idempotency_key: string; status: string; content: string }[]>`
      select idempotency_key, status, content from replies order by idempotency_key`;
    expect(replies.map((r) => [r.idempotency_key, r.status])).toEqual([
      ['k-expired', 'sent'],
      ['k-failed', 'failed'],
      ['k-pending', 'pending'],
      ['k-sent', 'sent'],
    ]);
    expect(replies.find((r) => r.idempotency_key === 'k-sent')!.content).not.toBe('换了内容');
    const accounts = await one.sql<
      { account_id: string; removed: boolean; display_name: string; status: string }[]
    >`
      select account_id, removed, display_name, status from accounts order by account_id`;
    expect(accounts).toEqual([
      { account_id: B, removed: true, display_name: `店铺${B}`, status: 'active' },
      { account_id: A, removed: false, display_name: `店铺${A}`, status: 'paused' },
    ]); // the keys' events, on the hub's own account, add none
    const keys = await one.sql<
      { key_id: string; role: string; accounts: string[] | null; revoked_at: number | null }[]
    >`
      select key_id, role, accounts, revoked_at from api_keys order by key_id`;
    expect(keys).toEqual([
      { key_id: '00000000000000a1', role: 'reader', accounts: [A], revoked_at: T + 950 },
      { key_id: '00000000000000a2', role: 'admin', accounts: null, revoked_at: null },
    ]);
  });
});
