import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActions } from '../src/commands/actions.js';
import { conversationId, type HubEvent, parseEvent } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter } from '../src/projections/wait.js';
import {
  bearer,
  createLoggedKey,
  createTestDatabase,
  createTestLog,
  projectedTo,
  publishProjected,
  rebuildChecksums,
  requestJson,
  startTestProjector,
  type TestLog,
  testApp,
  testProjectorPosition,
} from './support/env.js';
import { hubEvents } from './support/hub-events.js';

// Monitored accounts: registered, changed and removed as events; listed from the read model;
// a removed account leaves the lists and keeps its history.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let app: ReturnType<typeof testApp>;
const A = 'dy_旗舰店';
const B = 'dy_10086';
// 20:00 UTC on 22 Oct 2025 is 04:00 on 23 Oct in Shanghai
const NOW = Date.UTC(2025, 9, 22, 20);
const ev = hubEvents('accounts');
let n = 0;

function capture(account: string, at: number, inbound = true): HubEvent {
  n++;
  return {
    event_id: `accounts-c-${n}`,
    type: 'MessageCaptured',
    schema_version: 2,
    account_id: account,
    occurred_at: at,
    captured_at: at + 500,
    payload: {
      platform_message_id: `消息_${n}`,
      channel: 'direct',
      conversation_id: `私信_${n % 2}`,
      direction: inbound ? 'inbound' : 'outbound',
      sender: inbound ? { platform_user_id: `粉丝_${n % 2}`, name: '小美' } : { platform_user_id: account },
      content: `你好，第${n}条`,
      message_type: 'text',
      created_at: at,
      captured_by: null,
    },
  };
}

const publish = (...events: HubEvent[]) => publishProjected(log, db, projector, events);
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  requestJson(app, method, path, body, headers);
const path = (id: string) => `/api/v1/accounts/${encodeURIComponent(id)}`;
const streamLast = async () => (await log.jsm.streams.info(log.stream)).state.last_seq;
const eventAt = async (seq: number) => {
  const m = await log.jsm.streams.getMessage(log.stream, { seq });
  const parsed = parseEvent(JSON.parse(new TextDecoder().decode(m!.data)));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
};
/** An admin key of this name, made on the log: its name is the actor of what it does. */
const as = async (name: string) => bearer(await createLoggedKey(log, db, { name }));
const statusOf = (body: any, id: string) => body.accounts.find((a: any) => a.account_id === id);
const listed = async () =>
  (await call('GET', '/api/v1/accounts')).body.accounts.map((a: any) => a.account_id);

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('accounts'), createTestDatabase('accounts')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  app = testApp(
    db,
    {
      actions: createActions({ publisher: log.publisher, waitFor }),
      waitFor,
      projectorPosition: testProjectorPosition(log, db),
      clock: () => NOW,
    },
    { log },
  );
  // A worker reports for A before anyone registered it.
  await publish(
    capture(A, Date.UTC(2025, 9, 21, 23)), // yesterday in UTC; 22 Oct 07:00 in Shanghai
    capture(A, Date.UTC(2025, 9, 22, 1)), // today in UTC; 22 Oct 09:00 in Shanghai
    capture(A, Date.UTC(2025, 9, 22, 17)), // today in both
    capture(A, Date.UTC(2025, 9, 22, 18), false), // the account's own answer, today
  );
});

afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('accounts', () => {
  it('lists an account seen on the log before anyone registered it', async () => {
    const { status, body } = await call('GET', path(A));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      account_id: A,
      registered: false,
      display_name: null,
      status: null,
      message_count: 4,
      conversation_count: 2,
      last_message_captured_at: Date.UTC(2025, 9, 22, 18) + 500,
      removed: false,
    });
    expect(await listed()).toEqual([A]);
  });

  it('registers an account: 201 after projection, AccountRegistered by the actor; again a 409 appending nothing', async () => {
    const r = await call(
      'POST',
      '/api/v1/accounts',
      { account_id: B, display_name: ' 移动客服号 ', notes: '周末有人值班' },
      await as('ops_wang'),
    );
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(path(B));
    expect(r.body).toMatchObject({
      seq: await streamLast(),
      projected: true,
      account: {
        account_id: B,
        display_name: '移动客服号',
        platform: 'douyin',
        status: 'active',
        notes: '周末有人值班',
        registered: true,
        registered_by: 'ops_wang',
        message_count: 0,
        last_message_captured_at: null,
      },
    });
    expect(await eventAt(r.body.seq)).toMatchObject({
      type: 'AccountRegistered',
      account_id: B,
      actor: 'ops_wang',
      payload: { display_name: '移动客服号', platform: 'douyin', status: 'active', notes: '周末有人值班' },
    });
    expect((await call('GET', path(B))).body).toEqual(r.body.account);
    expect(await listed()).toEqual([B, A].sort());

    const before = await streamLast();
    const again = await call('POST', '/api/v1/accounts', { account_id: B, display_name: '别的名字' });
    expect([again.status, again.body.error.code]).toEqual([409, 'account_exists']);
    expect(await streamLast()).toBe(before);
  });

  it('registers an account the workers already reported, keeping its counts', async () => {
    const r = await call('POST', '/api/v1/accounts', {
      account_id: A,
      display_name: '官方旗舰店',
      platform: 'douyin',
      status: 'paused',
    });
    expect(r.status).toBe(201);
    expect(r.body.account).toMatchObject({
      registered: true,
      registered_by: 'test-admin',
      display_name: '官方旗舰店',
      status: 'paused',
      notes: null,
      message_count: 4,
      conversation_count: 2,
    });
  });

  it('PATCH changes only the fields given, and null clears the notes', async () => {
    const r = await call('PATCH', path(B), { status: 'disabled' }, await as('ops_li'));
    expect(r.status).toBe(200);
    expect(r.body.account).toMatchObject({
      display_name: '移动客服号',
      status: 'disabled',
      notes: '周末有人值班',
      updated_at: expect.any(Number),
    });
    expect(await eventAt(r.body.seq)).toMatchObject({
      type: 'AccountUpdated',
      actor: 'ops_li',
      payload: { status: 'disabled' },
    });
    const cleared = await call('PATCH', path(B), { notes: null, display_name: '客服二号' });
    expect(cleared.body.account).toMatchObject({ display_name: '客服二号', notes: null, status: 'disabled' });
  });

  it('DELETE removes: gone from the lists, history kept; again it answers the first removal', async () => {
    const r = await call('DELETE', path(A), undefined, await as('ops_zhao'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      seq: await streamLast(),
      projected: true,
      account: { account_id: A, removed: true, removed_by: 'ops_zhao', removed_at: expect.any(Number) },
    });
    expect(await eventAt(r.body.seq)).toMatchObject({
      type: 'AccountRemoved',
      account_id: A,
      actor: 'ops_zhao',
    });
    expect(await listed()).toEqual([B]);
    expect((await call('GET', path(A))).status).toBe(404);
    expect((await call('PATCH', path(A), { status: 'active' })).status).toBe(404);
    // its history stays readable
    const conv = await call('GET', `/api/v1/conversations/${conversationId(A, 'direct', '私信_1')}`);
    expect(conv.status).toBe(200);
    const messages = await call('GET', `/api/v1/messages?account_id=${encodeURIComponent(A)}`);
    expect(messages.body.messages).toHaveLength(4);

    const someoneElse = await as('someone_else');
    const before = await streamLast();
    const again = await call('DELETE', path(A), undefined, someoneElse);
    expect(again).toMatchObject({ status: 200, body: r.body });
    expect(await streamLast()).toBe(before);
  });

  it('a worker still reporting for a removed account is projected, and registering it again brings it back', async () => {
    await publish(capture(A, Date.UTC(2025, 9, 22, 19)));
    expect(await listed()).toEqual([B]);
    const r = await call('POST', '/api/v1/accounts', { account_id: A, display_name: '旗舰店（新）' });
    expect(r.status).toBe(201);
    expect(r.body.account).toMatchObject({
      removed: false,
      removed_at: null,
      display_name: '旗舰店（新）',
      status: 'active',
      message_count: 5,
    });
    expect(await listed()).toEqual([B, A].sort());
  });

  it('status/all: last capture, messages today, unread, pending replies and the projector lag', async () => {
    await publish(
      ev.requested(A, 'k1', NOW - 1000),
      ev.requested(A, 'k2', NOW - 900),
      ev.succeeded(A, 'k2', NOW - 500, 'dm_1'),
      ev.requested(B, 'k1', NOW - 800),
    );
    const utc = await call('GET', '/api/v1/accounts/status/all');
    expect(utc.status).toBe(200);
    expect(utc.body.since).toBe(Date.UTC(2025, 9, 22));
    const unreadA = (await call('GET', `/api/v1/unread-summary?account_id=${encodeURIComponent(A)}`)).body
      .total_unread;
    expect(unreadA).toBe(4);
    // by account id, as Postgres orders them
    expect(utc.body.accounts).toEqual([
      {
        account_id: B,
        display_name: '客服二号',
        platform: 'douyin',
        status: 'disabled',
        last_message_captured_at: null,
        messages_today: 0,
        unread_total: 0,
        pending_replies: 1,
        projector_lag_events: 0,
      },
      {
        account_id: A,
        display_name: '旗舰店（新）',
        platform: 'douyin',
        status: 'active',
        last_message_captured_at: Date.UTC(2025, 9, 22, 19) + 500,
        messages_today: 4, // 01:00, 17:00, 18:00 (outbound) and 19:00
        unread_total: unreadA,
        pending_replies: 1,
        projector_lag_events: 0,
      },
    ]);
    const last = await streamLast();
    expect(utc.body.projector).toEqual({ checkpoint: last, stream_last_seq: last, lag_events: 0 });

    const shanghai = await call('GET', '/api/v1/accounts/status/all?tz=Asia/Shanghai');
    expect(shanghai.body.since).toBe(Date.UTC(2025, 9, 22, 16));
    expect(statusOf(shanghai.body, A).messages_today).toBe(3);
    const since = await call('GET', '/api/v1/accounts/status/all?since=0');
    expect([since.body.since, statusOf(since.body, A).messages_today]).toEqual([0, 5]);
    // a recalled message no longer counts
    await publish({
      event_id: 'accounts-recall-1',
      type: 'MessageRecalled',
      schema_version: 1,
      account_id: A,
      occurred_at: NOW,
      captured_at: NOW,
      payload: {
        platform_message_id: '消息_3',
        conversation_id: '私信_1',
        recalled_at: NOW,
        recalled_by: '粉丝_1',
      },
    });
    const after = await call('GET', '/api/v1/accounts/status/all?since=0');
    expect(statusOf(after.body, A)).toMatchObject({ messages_today: 4, unread_total: 3 });
  });

  it('status/all reports the lag while the projector is behind', async () => {
    await projector.stop();
    try {
      await log.publisher.publish(capture(B, NOW - 100));
      const r = await call('GET', '/api/v1/accounts/status/all');
      expect(r.body.projector.lag_events).toBe(1);
      expect(r.body.accounts.map((a: any) => a.projector_lag_events)).toEqual([1, 1]);
    } finally {
      projector = startTestProjector(log, db);
      await projectedTo(db, projector.name, await streamLast());
    }
  });

  it('rejects bad input with a 400 naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/accounts', { account_id: 'dy_1' }, 'display_name'],
      ['POST', '/api/v1/accounts', { display_name: '无号' }, 'account_id'],
      ['POST', '/api/v1/accounts', { account_id: 'dy\u00001', display_name: '控制符' }, 'account_id'],
      ['POST', '/api/v1/accounts', { account_id: 'dy_1', display_name: '   ' }, 'display_name'],
      [
        'POST',
        '/api/v1/accounts',
        { account_id: 'dy_1', display_name: '店', platform: 'Dou Yin' },
        'platform',
      ],
      ['POST', '/api/v1/accounts', { account_id: 'dy_1', display_name: '店', status: 'sleeping' }, 'status'],
      [
        'POST',
        '/api/v1/accounts',
        { account_id: 'dy_1', display_name: '店', notes: 'x'.repeat(4001) },
        'notes',
      ],
      ['PATCH', path(B), {}, 'display_name'],
      ['PATCH', path(B), { status: 'gone' }, 'status'],
      ['GET', '/api/v1/accounts/status/all?tz=Mars/Olympus', undefined, 'tz'],
      ['GET', '/api/v1/accounts/status/all?since=-1', undefined, 'since'],
      ['GET', '/api/v1/accounts/status/all?since=yesterday', undefined, 'since'],
      ['GET', '/api/v1/accounts/status/all?since=0&tz=UTC', undefined, 'since'],
    ];
    const before = await streamLast();
    for (const [method, url, body, field] of cases) {
      const r = await call(method, url, body);
      expect([method, url, r.status, r.body.error?.code, r.body.error?.field]).toEqual([
        method,
        url,
        400,
        'invalid_request',
        field,
      ]);
    }
    expect(await streamLast()).toBe(before);
  });

  it('never answers a malformed query or id with a 500', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const segment = text.map((t) => encodeURIComponent(t.toWellFormed()));
    const paths = fc.oneof(
      fc
        .dictionary(fc.constantFrom('tz', 'since', 'min_seq'), text, { maxKeys: 2 })
        .map((q) => `/api/v1/accounts/status/all?${new URLSearchParams(q)}`),
      fc
        .dictionary(fc.constantFrom('account_id', 'status', 'limit', 'offset'), text, { maxKeys: 3 })
        .map((q) => `/api/v1/replies?${new URLSearchParams(q)}`),
      segment.map((id) => `/api/v1/accounts/${id}`),
      segment.map((id) => `/api/v1/replies/${id}`),
      segment.map((id) => `/api/v1/replies/account/${id}/stats`),
    );
    await fc.assert(
      fc.asyncProperty(paths, async (url) => {
        const res = await app.request(url);
        expect([url, res.status < 500]).toEqual([url, true]);
        const body = (await res.json()) as any;
        if (res.status === 400) expect(body.error.field).toEqual(expect.any(String));
      }),
      { numRuns: 300 },
    );
  });

  it('answers 404 for an account the log never named, appending nothing', async () => {
    const before = await streamLast();
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const r = await call(
        method,
        path('dy_没有这个号'),
        method === 'PATCH' ? { status: 'paused' } : undefined,
      );
      expect([method, r.status, r.body.error.code]).toEqual([method, 404, 'not_found']);
    }
    expect(await streamLast()).toBe(before);
  });

  it('replaying the log rebuilds the same accounts', async () => {
    const { live, rebuilt } = await rebuildChecksums(log, db, 'accounts_rebuild');
    expect(live.find((t) => t.table === 'accounts')!.rows).toBe(2);
    expect(rebuilt).toEqual(live);
  });
});
