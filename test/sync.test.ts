import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubEvent, messageId } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import type { Sync } from '../src/sync/index.js';
import { type ChatOp, chatEvents } from './support/chat-events.js';
import {
  checkpointOf,
  createTestDatabase,
  createTestLog,
  eventually,
  projectedTo,
  requestJson,
  serveApp,
  startTestProjector,
  type TestLog,
  testApp,
  testSync,
} from './support/env.js';
import { openSse, type SseEvent } from './support/sse.js';

// Incremental sync: a client's position is a stream sequence; everything after it comes back
// in order, each row in its current state, never past what the projector has applied.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let sync: Sync;
let app: ReturnType<typeof testApp>;
let http: Awaited<ReturnType<typeof serveApp>>;
const eventOf = chatEvents('sync');
type Op = ChatOp;

async function publish(events: HubEvent[]) {
  const r = await log.publisher.publishMany(events);
  const last = Math.max(...r.map((x) => x.seq));
  await projectedTo(db, projector.name, last);
  return last;
}

const get = (path: string) => requestJson(app, 'GET', path);
const post = (path: string, body: unknown) => requestJson(app, 'POST', path, body);

/** A client's local copy, built only from sync pages. */
class LocalCopy {
  messages = new Map<
    string,
    { content: string; edited: boolean; read_at: number | null; account_id: string }
  >();
  conversations = new Map<
    string,
    { unread_count: number; message_count: number; last_message_id: string | null }
  >();
  seen: string[] = [];
  apply(page: any) {
    for (const m of page.messages) {
      this.messages.set(m.id, {
        content: m.content,
        edited: m.edited,
        read_at: m.read_at,
        account_id: m.account_id,
      });
      this.seen.push(m.id);
    }
    for (const id of page.deleted_message_ids) {
      this.messages.delete(id);
      this.seen.push(id);
    }
    for (const r of page.read_changes)
      for (const id of r.message_ids) {
        const m = this.messages.get(id);
        if (m) m.read_at = r.read_at;
      }
    for (const c of page.conversations)
      this.conversations.set(c.id, {
        unread_count: c.unread_count,
        message_count: c.message_count,
        last_message_id: c.last_message_id,
      });
  }
}

/** The account as the read models hold it. */
async function serverState(account: string) {
  const messages = await db.sql<{ id: string; content: string; edited: boolean; read_at: number | null }[]>`
    select id, content, edited, read_at from messages
    where account_id = ${account} and capture_seq is not null and not recalled`;
  const conversations = await db.sql<
    { id: string; unread_count: number; message_count: number; last_message_id: string | null }[]
  >`select id, unread_count, message_count, last_message_id from conversations where account_id = ${account}`;
  return {
    messages: new Map(messages.map(({ id, ...m }) => [id, { ...m, account_id: account }])),
    conversations: new Map(conversations.map(({ id, ...c }) => [id, c])),
  };
}

const syncUrl = (account: string, cursor: number, limit: number) =>
  `/api/v1/messages/sync?account_id=${encodeURIComponent(account)}&cursor=${cursor}&limit=${limit}`;

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('sync'), createTestDatabase('sync')]);
  projector = startTestProjector(log, db, { batchSize: 200 });
  sync = await testSync(log, db, { heartbeatMs: 200 });
  app = testApp(db, { sync });
  http = await serveApp(app);
});

afterAll(async () => {
  await http?.close();
  await sync?.close();
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('the sync page', () => {
  const opArb = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({ kind: fc.constant('capture' as const), msg: fc.nat(11), inbound: fc.boolean() }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('edit' as const), msg: fc.nat(11) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('recall' as const), msg: fc.nat(11) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('read' as const), conv: fc.nat(2) }) },
  );

  it('brings a client from any cursor, at any page size and restart points, to exactly the server state', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(2), opArb), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (ops, limit, restarts) => {
          run++;
          const accounts = [0, 1, 2].map((i) => `抖音号_${run}_${i}`);
          await publish(ops.map(([a, op]) => eventOf(accounts[a]!, op)));
          for (const account of accounts) {
            const expected = await serverState(account);
            const local = new LocalCopy();
            const cursors = [0];
            let cursor = 0;
            const pendingRestarts = [...restarts];
            for (let pages = 0; ; pages++) {
              expect(pages, 'pages to the end').toBeLessThan(500);
              const { status, body } = await get(syncUrl(account, cursor, limit));
              expect(status).toBe(200);
              expect(body.messages.length + body.deleted_message_ids.length).toBeLessThanOrEqual(limit);
              for (const m of body.messages) expect(m.account_id).toBe(account);
              for (const c of body.conversations) expect(c.account_id).toBe(account);
              local.apply(body);
              cursor = body.next_cursor;
              cursors.push(cursor);
              // a crash: the client starts again from a cursor it had stored earlier
              const r = pendingRestarts.shift();
              if (r !== undefined) {
                cursor = cursors[r % cursors.length]!;
                continue;
              }
              if (!body.has_more) break;
            }
            expect(local.messages).toEqual(expected.messages);
            expect(local.conversations).toEqual(expected.conversations);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('sends each message once to a client that starts from zero and applies every page', async () => {
    const account = '一次性账号';
    const ops: Op[] = [];
    for (let i = 0; i < 30; i++) ops.push({ kind: 'capture', msg: i, inbound: i % 2 === 0 });
    for (let i = 0; i < 30; i += 4) ops.push({ kind: 'edit', msg: i });
    for (let i = 1; i < 30; i += 5) ops.push({ kind: 'recall', msg: i });
    ops.push({ kind: 'read', conv: 0 });
    await publish(ops.map((op) => eventOf(account, op)));
    for (const limit of [1, 7, 500]) {
      const local = new LocalCopy();
      let cursor = 0;
      for (;;) {
        const { body } = await get(syncUrl(account, cursor, limit));
        local.apply(body);
        cursor = body.next_cursor;
        if (!body.has_more) break;
      }
      expect(new Set(local.seen).size).toBe(local.seen.length);
      expect(local.seen.length).toBe(30);
      expect(local.messages).toEqual((await serverState(account)).messages);
    }
    // a sync page's message is the message API's JSON, plus read_at
    const page = (await get(syncUrl(account, 0, 500))).body;
    for (const m of page.messages.slice(0, 5)) {
      const { read_at, ...rest } = m;
      expect(rest).toEqual((await get(`/api/v1/messages/${m.id}`)).body);
      expect(read_at === null || typeof read_at === 'number').toBe(true);
    }
  });

  it('shows a message captured and recalled after the cursor only as deleted', async () => {
    const account = '撤回账号';
    const start = await publish([eventOf(account, { kind: 'capture', msg: 1, inbound: true })]);
    await publish([
      eventOf(account, { kind: 'capture', msg: 2, inbound: true }),
      eventOf(account, { kind: 'recall', msg: 2 }),
      eventOf(account, { kind: 'recall', msg: 1 }),
    ]);
    const { body } = await get(syncUrl(account, start, 500));
    expect(body.messages).toEqual([]);
    expect(body.deleted_message_ids.sort()).toEqual(
      [messageId(account, '消息-1'), messageId(account, '消息-2')].sort(),
    );
  });

  it('never hands out a cursor past the projector while events are being ingested', async () => {
    const account = '边写边同步';
    const events: HubEvent[] = [];
    for (let i = 0; i < 1500; i++) {
      events.push(eventOf(account, { kind: 'capture', msg: i, inbound: true }));
      if (i % 7 === 0) events.push(eventOf(account, { kind: 'edit', msg: i - 3 }));
      if (i % 11 === 0) events.push(eventOf(account, { kind: 'recall', msg: i - 5 }));
    }
    const ingest = (async () => {
      for (let i = 0; i < events.length; i += 100) await log.publisher.publishMany(events.slice(i, i + 100));
    })();
    const local = new LocalCopy();
    let cursor = 0;
    let ingesting = true;
    void ingest.then(() => {
      ingesting = false;
    });
    for (;;) {
      const { body } = await get(syncUrl(account, cursor, 50));
      expect(body.next_cursor).toBeLessThanOrEqual(await checkpointOf(db, projector.name));
      local.apply(body);
      cursor = body.next_cursor;
      if (!body.has_more && !ingesting) {
        const last = (await log.jsm.streams.info(log.stream)).state.last_seq;
        if (cursor >= last) break;
      }
    }
    await ingest;
    expect(local.messages).toEqual((await serverState(account)).messages);
  });

  it('starts from a time for clients that send last_sync_timestamp', async () => {
    const account = '按时间同步';
    await publish([eventOf(account, { kind: 'capture', msg: 1, inbound: true })]);
    await new Promise((r) => setTimeout(r, 50));
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    await publish([eventOf(account, { kind: 'capture', msg: 2, inbound: true })]);
    const { status, body } = await get(
      `/api/v1/messages/sync?account_id=${encodeURIComponent(account)}&last_sync_timestamp=${since}`,
    );
    expect(status).toBe(200);
    expect(body.messages.map((m: any) => m.id)).toEqual([messageId(account, '消息-2')]);
    expect(body.next_sync_timestamp).toBeGreaterThanOrEqual(since);
    const later = await get(
      `/api/v1/messages/sync?account_id=${encodeURIComponent(account)}&last_sync_timestamp=${Date.now() + 60_000}`,
    );
    expect(later.body.messages).toEqual([]);
  });

  it('answers bad input with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['cursor=0', 'account_id'],
      ['account_id=a&cursor=-1', 'cursor'],
      ['account_id=a&cursor=abc', 'cursor'],
      ['account_id=a&limit=5001', 'limit'],
      ['account_id=a&limit=0', 'limit'],
      ['account_id=a&cursor=1&last_sync_timestamp=1', 'cursor'],
    ] as const) {
      const { status, body } = await get(`/api/v1/messages/sync?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.field, query).toBe(field);
    }
  });
  it('never answers a client mistake with a 500, whatever the query says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v1/messages/sync', '/api/v1/devices'),
        fc.dictionary(
          fc.constantFrom('account_id', 'cursor', 'limit', 'device_id', 'last_sync_timestamp'),
          fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.nat().map(String)),
          { maxKeys: 4 },
        ),
        async (path, query) => {
          const res = await app.request(`${path}?${new URLSearchParams(query)}`);
          expect(res.status).toBeLessThan(500);
          const body = (await res.json()) as any;
          if (res.status === 400) expect(body.error.field).toEqual(expect.any(String));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('device cursors', () => {
  const account = '设备账号';
  it('stores a position that never moves back, refuses one past the projector, and resumes from it', async () => {
    const first = await publish([
      eventOf(account, { kind: 'capture', msg: 1, inbound: true }),
      eventOf(account, { kind: 'capture', msg: 2, inbound: true }),
    ]);
    const page = (await get(syncUrl(account, 0, 1))).body;
    expect(page.has_more).toBe(true);
    const acked = await post('/api/v1/messages/sync/ack', {
      device_id: '前台电脑',
      account_id: account,
      cursor: page.next_cursor,
    });
    expect(acked.status).toBe(200);
    expect(acked.body.cursor).toBe(page.next_cursor);
    const back = await post('/api/v1/messages/sync/ack', {
      device_id: '前台电脑',
      account_id: account,
      cursor: 1,
    });
    expect(back.body.cursor).toBe(page.next_cursor);
    const ahead = await post('/api/v1/messages/sync/ack', {
      device_id: '前台电脑',
      account_id: account,
      cursor: (await checkpointOf(db, projector.name)) + 1,
    });
    expect(ahead.status).toBe(409);
    expect(ahead.body.error.field).toBe('cursor');
    const resumed = (
      await get(
        `/api/v1/messages/sync?account_id=${encodeURIComponent(account)}&device_id=${encodeURIComponent('前台电脑')}`,
      )
    ).body;
    expect(resumed.messages.map((m: any) => m.id)).toEqual([messageId(account, '消息-2')]);
    expect(first).toBeGreaterThan(0);
    const devices = (await get(`/api/v1/devices?account_id=${encodeURIComponent(account)}`)).body.devices;
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ device_id: '前台电脑', cursor: page.next_cursor, lag_events: 1 });
    expect(devices[0].last_seen_at).toBeGreaterThanOrEqual(devices[0].acked_at);
  });

  it('rejects a malformed ack with a 400 naming the field', async () => {
    const r = await post('/api/v1/messages/sync/ack', { device_id: '', account_id: account, cursor: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('device_id');
  });
});

const parse = (e: SseEvent) => JSON.parse(e.data) as { seq: number; message?: { id: string } };

describe('the live stream', () => {
  it('replays, goes live, and after a cut resumes from Last-Event-ID with every event exactly once', async () => {
    const account = '直播账号';
    await publish([1, 2, 3].map((i) => eventOf(account, { kind: 'capture', msg: i, inbound: true })));
    const url = `${http.url}/api/v1/stream?account_id=${encodeURIComponent(account)}`;
    const first = await openSse(url);
    await first.until((ev) => ev.filter((e) => e.event === 'message.created').length === 3);
    await publish([4, 5].map((i) => eventOf(account, { kind: 'capture', msg: i, inbound: true })));
    await first.until((ev) => ev.filter((e) => e.event === 'message.created').length === 5);
    first.close();
    const lastId = first.lastEventId()!;
    // while disconnected: more messages, an edit, and a recall of a message the client has
    await publish([
      eventOf(account, { kind: 'capture', msg: 6, inbound: true }),
      eventOf(account, { kind: 'edit', msg: 2 }),
      eventOf(account, { kind: 'recall', msg: 1 }),
    ]);
    const second = await openSse(url, { 'last-event-id': lastId });
    await second.until((ev) => ev.some((e) => e.event === 'message.recalled'));
    await publish([eventOf(account, { kind: 'capture', msg: 7, inbound: true })]);
    await second.until((ev) =>
      ev.some((e) => e.event === 'message.created' && parse(e).message?.id === messageId(account, '消息-7')),
    );
    second.close();

    const all = [...first.events, ...second.events];
    const ids = all.map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const created = all.filter((e) => e.event === 'message.created').map((e) => parse(e).message!.id);
    expect(created).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => messageId(account, `消息-${i}`)));
    expect(second.events.find((e) => e.event === 'message.edited')).toBeDefined();
    const recalled = second.events.find((e) => e.event === 'message.recalled')!;
    expect(JSON.parse(recalled.data).deleted_message_id).toBe(messageId(account, '消息-1'));
  });

  it('streams to an HTTP/1.0 client as plain bytes, ended by the close, with no chunk framing', async () => {
    const account = '旧客户端';
    await publish([eventOf(account, { kind: 'capture', msg: 1, inbound: true })]);
    const { port } = new URL(http.url);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.write(
      `GET /api/v1/stream?account_id=${encodeURIComponent(account)} HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n`,
    );
    try {
      await eventually(
        async () => (/event: message\.created\ndata: [^\n]*\n\n/.test(text) ? true : undefined),
        'the whole frame of the capture',
      );
      const [head, body] = text.split('\r\n\r\n') as [string, string];
      expect(head).toMatch(/^HTTP\/1\.1 200/);
      expect(head.toLowerCase()).not.toContain('transfer-encoding');
      // frames only (a heartbeat may come before the event): no chunk-size lines, no CRLF
      expect(body.startsWith('retry: 1000\n\n')).toBe(true);
      expect(body).toMatch(/\n\nid: \d+\nevent: message\.created\n/);
      expect(body).not.toContain('\r\n');
      expect(body).toContain(`"id":"${messageId(account, '消息-1')}"`);
    } finally {
      socket.destroy();
    }
  });

  it('sends heartbeats and cuts off a client that stops reading without slowing the others', async () => {
    const slowSync = await testSync(log, db, { heartbeatMs: 50, maxBufferBytes: 1024 * 1024 });
    const slowHttp = await serveApp(testApp(db, { sync: slowSync }));
    try {
      const account = '慢客户端';
      const path = `/api/v1/stream?account_id=${encodeURIComponent(account)}`;
      // a client that sends its request and never reads a byte of the answer
      const { port } = new URL(slowHttp.url);
      const stalled = connect({ host: '127.0.0.1', port: Number(port) });
      stalled.pause();
      stalled.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      const reader = await openSse(`${slowHttp.url}${path}`);
      await reader.until(() => reader.comments.includes('heartbeat'));
      await eventually(
        async () => (slowSync.live.stats().connections === 2 ? true : undefined),
        'both connected',
      );
      const content = '私信内容'.repeat(170); // about 2 KB
      const total = 4000;
      for (let i = 0; i < total; i += 200) {
        const events: HubEvent[] = [];
        for (let j = i; j < i + 200; j++) {
          const e = eventOf(account, { kind: 'capture', msg: j, inbound: true }) as any;
          e.payload.content = `${j}${content}`;
          events.push(e);
        }
        await log.publisher.publishMany(events);
      }
      await reader.until((ev) => ev.filter((e) => e.event === 'message.created').length === total, 60_000);
      await eventually(
        async () => (slowSync.live.stats().dropped_slow_total === 1 ? true : undefined),
        'the stalled client to be cut off',
        15_000,
      );
      expect(slowSync.live.stats().connections).toBe(1);
      reader.close();
      stalled.destroy();
      await eventually(
        async () => (slowSync.live.stats().connections === 0 ? true : undefined),
        'cleanup',
        5000,
      );
      const stats = await (await fetch(`${slowHttp.url}/api/v1/admin/live-stats`)).json();
      expect(stats).toMatchObject({
        connections: 0,
        connected_total: 2,
        closed_total: 2,
        dropped_slow_total: 1,
      });
    } finally {
      await slowHttp.close();
      await slowSync.close();
    }
  });

  it('answers a bad cursor with a 400', async () => {
    const res = await app.request('/api/v1/stream?account_id=a&cursor=x');
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.field).toBe('cursor');
  });
});
