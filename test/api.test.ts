import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createProjector } from '../src/projections/projector.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { createTestDatabase, createTestLog, projectedTo, type TestLog, testApp } from './support/env.js';

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let app: ReturnType<typeof testApp>;

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('api'), createTestDatabase('api')]);
  const events = [
    ...simulateEvents({
      seed: 5,
      events: 800,
      accounts: 2,
      conversationsPerAccount: 8,
      recallRate: 0.05,
      runId: 'api',
    }),
  ];
  const results = await log.publisher.publishMany(events);
  const bad = await log.js.publish(
    log.subjects.event('dy_10001', 'MessageCaptured'),
    new TextEncoder().encode('{}'),
  );
  const projector = createProjector({
    sql: db.sql,
    js: log.js,
    stream: log.stream,
    subjects: log.subjects,
    log: silentLogger(),
  });
  projector.start();
  await projectedTo(db, projector.name, Math.max(bad.seq, ...results.map((r) => r.seq)));
  await projector.stop();
  app = testApp(db);
});

afterAll(async () => {
  await log?.close();
  await db?.drop();
});

async function get(path: string) {
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('HTTP API', () => {
  it('answers liveness', async () => {
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('lists accounts', async () => {
    const { body } = await get('/api/v1/accounts');
    expect(body.accounts.map((a: { account_id: string }) => a.account_id)).toEqual(['dy_10001', 'dy_10002']);
  });

  it('lists conversations newest first with totals', async () => {
    const { status, body } = await get('/api/v1/conversations?account_id=dy_10001&limit=200');
    expect(status).toBe(200);
    expect(body.total).toBe(8);
    const times = body.conversations.map((c: { last_message_time: number }) => c.last_message_time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const unread = body.conversations.reduce(
      (s: number, c: { unread_count: number }) => s + c.unread_count,
      0,
    );
    expect(body.unread_total).toBe(unread);
    const dm = body.conversations.find((c: { channel: string }) => c.channel === 'direct');
    expect(dm.friend_name).toMatch(/\S/);
    const one = await get(`/api/v1/conversations/${dm.id}`);
    expect(one.body).toEqual(dm);
  });

  it('pages through a conversation by keyset without gaps or repeats', async () => {
    const { body: convs } = await get('/api/v1/conversations?account_id=dy_10002');
    const conv = convs.conversations[0];
    const seen: { id: string; created_at: number }[] = [];
    let before = '';
    for (let guard = 0; guard < 100; guard++) {
      const { status, body } = await get(
        `/api/v1/messages?conversation_id=${conv.id}&limit=7${before && `&before=${before}`}`,
      );
      expect(status).toBe(200);
      seen.push(...body.messages);
      if (!body.has_more) break;
      before = body.next_before;
    }
    expect(seen).toHaveLength(conv.message_count);
    expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
    const times = seen.map((m) => m.created_at);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(seen[0]!.id).toBe(conv.last_message_id);
  });

  it('separates comments from direct messages', async () => {
    const comments = await get('/api/v1/comments?account_id=dy_10001&limit=500');
    const dms = await get('/api/v1/direct-messages?account_id=dy_10001&limit=500');
    expect(comments.body.messages.length).toBeGreaterThan(0);
    expect(comments.body.messages.every((m: { channel: string }) => m.channel === 'comment')).toBe(true);
    expect(dms.body.messages.every((m: { channel: string }) => m.channel === 'direct')).toBe(true);
    const wrong = await get('/api/v1/comments?account_id=dy_10001&channel=direct');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.field).toBe('channel');
  });

  it('hides recalled messages unless asked to include them', async () => {
    const [row] = await db.sql<
      { id: string }[]
    >`select id from messages where recalled and capture_seq is not null limit 1`;
    expect(row).toBeDefined();
    const hidden = await get(`/api/v1/messages/${row!.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('not_found');
    const shown = await get(`/api/v1/messages/${row!.id}?include_recalled=true`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: row!.id, recalled: true });
  });

  it('rejects bad input with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['/api/v1/messages?account_id=dy_10001&limit=0', 'limit'],
      ['/api/v1/messages?account_id=dy_10001&limit=abc', 'limit'],
      ['/api/v1/messages?account_id=dy_10001&before=yesterday', 'before'],
      ['/api/v1/messages?account_id=dy_10001&channel=fax', 'channel'],
      ['/api/v1/messages', 'conversation_id'],
      ['/api/v1/conversations?offset=-1', 'offset'],
      ['/api/v1/conversations?limit=201', 'limit'],
      ['/api/v1/messages/m_AAAAAAAAAAAAAAAAAAAAAA?include_recalled=maybe', 'include_recalled'],
      ['/api/v1/messages/x%00y', 'id'],
      ['/api/v1/messages?account_id=a%00b', 'account_id'],
      ['/api/v1/messages?conversation_id=not-an-id', 'conversation_id'],
      ['/api/v1/conversations/%E4%BD%A0', 'id'],
      ['/api/v1/admin/rejected-events?after_seq=-5', 'after_seq'],
    ];
    for (const [path, field] of cases) {
      const { status, body } = await get(path);
      expect([path, status, body.error?.code, body.error?.field]).toEqual([
        path,
        400,
        'invalid_request',
        field,
      ]);
    }
  });

  it('never answers a client mistake with a 500, whatever the query says', async () => {
    const paths = [
      '/api/v1/messages',
      '/api/v1/comments',
      '/api/v1/conversations',
      '/api/v1/admin/rejected-events',
    ];
    const params = [
      'account_id',
      'conversation_id',
      'limit',
      'offset',
      'before',
      'channel',
      'after_seq',
      'include_recalled',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.dictionary(fc.constantFrom(...params), fc.string({ unit: 'binary', maxLength: 40 }), {
          maxKeys: 4,
        }),
        async (path, query) => {
          const res = await app.request(`${path}?${new URLSearchParams(query)}`);
          expect(res.status).toBeLessThan(500);
          const body = (await res.json()) as any;
          if (res.status === 400) expect(body.error.field).toEqual(expect.any(String));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers unknown ids and routes with a JSON 404', async () => {
    expect((await get('/api/v1/conversations/c_AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await get('/api/v1/messages/m_AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    const { status, body } = await get('/api/v1/nothing-here');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
  });

  it('lists rejected events with their reason', async () => {
    const { body } = await get('/api/v1/admin/rejected-events');
    expect(body.rejected_events).toHaveLength(1);
    expect(body.rejected_events[0]).toMatchObject({ raw: '{}', stream: log.stream });
    expect(body.rejected_events[0].reason).toMatch(/type: unknown event type/);
    const after = await get(`/api/v1/admin/rejected-events?after_seq=${body.rejected_events[0].seq}`);
    expect(after.body).toEqual({ rejected_events: [], has_more: false });
  });
});
