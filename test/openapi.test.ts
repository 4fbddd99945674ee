import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../src/api/openapi.js';
import { createActions } from '../src/commands/actions.js';
import { createMetrics } from '../src/metrics.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter } from '../src/projections/wait.js';
import type { Sync } from '../src/sync/index.js';
import { simulateEvents } from '../src/worker/simulate.js';
import {
  createTestDatabase,
  createTestLog,
  projectedTo,
  startTestProjector,
  type TestLog,
  testApp,
  testProjectorPosition,
  testSync,
} from './support/env.js';
import {
  createResponseValidator,
  documentedOperations,
  nullableRefsThatRejectNull,
  openApiPath,
  type SeenResponse,
} from './support/openapi.js';

// The OpenAPI document against the app it describes: every route is in it, and every response
// the routes give (each status of each operation that a client can provoke) matches it.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let sync: Sync;
let app: ReturnType<typeof testApp>;
let doc: OpenApiDocument;
const A = 'dy_10001';

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('openapi'), createTestDatabase('openapi')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  sync = await testSync(log, db);
  const results = await log.publisher.publishMany([
    ...simulateEvents({ seed: 9, events: 300, accounts: 2, conversationsPerAccount: 6, runId: 'oa' }),
  ]);
  const bad = await log.js.publish(log.subjects.event(A, 'MessageCaptured'), new TextEncoder().encode('{}'));
  await projectedTo(db, projector.name, Math.max(bad.seq, ...results.map((r) => r.seq)));
  app = testApp(db, {
    actions: createActions({ publisher: log.publisher, waitFor }),
    waitFor,
    sync,
    minSeqTimeoutMs: 200,
    projectorPosition: testProjectorPosition(log, db),
    metrics: createMetrics({ live: () => sync.live.stats() }),
    readiness: async () => ({
      ready: true,
      nats: { ok: true },
      postgres: { ok: true },
      projector: { state: 'projecting', checkpoint: 1, stream_last_seq: 1, lag_events: 0, last_error: null },
    }),
  });
  doc = (await (await app.request('/openapi.json')).json()) as OpenApiDocument;
});

afterAll(async () => {
  await sync?.close();
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists exactly the routes the app registered', () => {
    expect(doc.openapi).toBe('3.1.0');
    const registered = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL') // middleware
        .map((r) => `${r.method} ${openApiPath(r.path)}`),
    );
    expect([...registered].sort()).toEqual(documentedOperations(doc));
  });

  it('documents every operation with a summary, a tag, its errors, and the request id', () => {
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, any>)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.summary, where).toMatch(/\S/);
        expect(op.tags?.length, where).toBeGreaterThan(0);
        expect(Object.keys(op.responses), where).toContain('500');
        expect(op.parameters, where).toContainEqual({ $ref: '#/components/parameters/RequestId' });
        for (const name of path.match(/\{([^}]+)\}/g) ?? []) {
          const param = op.parameters.find((p: any) => p.in === 'path' && `{${p.name}}` === name);
          expect(param, `${where}: path parameter ${name}`).toBeDefined();
          expect(param.required, where).toBe(true);
        }
        if (method === 'get' && path.startsWith('/api/v1/')) {
          expect(op.parameters, where).toContainEqual({ $ref: '#/components/parameters/MinSeq' });
          expect(Object.keys(op.responses), where).toContain('503');
        }
        if (op.requestBody || op.parameters.some((p: any) => !p.$ref))
          expect(Object.keys(op.responses), `${where} takes input`).toContain('400');
      }
    }
    expect(nullableRefsThatRejectNull(doc)).toEqual([]);
  });

  it('documents the live stream as text/event-stream', () => {
    const op = (doc.paths as any)['/api/v1/stream'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
  });

  it("matches every response the routes give: each operation's statuses, media types and bodies", async () => {
    const validate = createResponseValidator(doc);
    const seen: { operation: string; status: number; errors: string[] }[] = [];
    async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await app.request(path, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const contentType = res.headers.get('content-type');
      let parsed: unknown = null;
      if (contentType?.startsWith('text/event-stream')) await res.body?.cancel();
      else if (contentType?.startsWith('application/json')) parsed = await res.json();
      else await res.arrayBuffer();
      const response: SeenResponse = {
        method,
        path: new URL(path, 'http://x').pathname,
        status: res.status,
        contentType,
        body: parsed,
      };
      const { operation, errors } = validate(response);
      seen.push({ operation, status: res.status, errors });
      expect(res.headers.get('x-request-id'), `${method} ${path}`).toMatch(/\S/);
      return { status: res.status, body: parsed as any };
    }
    const q = encodeURIComponent;

    // operations
    await call('GET', '/health');
    await call('GET', '/ready');
    await call('GET', '/metrics');
    await call('GET', '/openapi.json');
    await call('GET', '/docs');
    await call('GET', '/docs/scalar.js');

    // accounts
    await call('GET', '/api/v1/accounts');
    expect(
      (await call('POST', '/api/v1/accounts', { account_id: 'dy_oa', display_name: '新号' })).status,
    ).toBe(201);
    expect((await call('POST', '/api/v1/accounts', { account_id: 'dy_oa', display_name: '又' })).status).toBe(
      409,
    );
    await call('POST', '/api/v1/accounts', { account_id: 'dy_oa' });
    await call('GET', '/api/v1/accounts/dy_oa');
    await call('GET', '/api/v1/accounts/nobody');
    await call('PATCH', '/api/v1/accounts/dy_oa', { notes: '重要客户' });
    await call('PATCH', '/api/v1/accounts/dy_oa', {});
    await call('PATCH', '/api/v1/accounts/nobody', { notes: null });
    await call('GET', '/api/v1/accounts/status/all?tz=Asia/Shanghai');
    await call('GET', '/api/v1/accounts/status/all?tz=Nowhere/City');
    await call('DELETE', '/api/v1/accounts/dy_oa');
    await call('DELETE', '/api/v1/accounts/nobody');

    // conversations
    const convs = (await call('GET', `/api/v1/conversations?account_id=${A}&limit=50`)).body.conversations;
    await call('GET', '/api/v1/conversations?limit=0');
    const dm = convs.find((c: any) => c.channel === 'direct');
    const unknownConv = `c_${'A'.repeat(22)}`;
    await call('GET', `/api/v1/conversations/${dm.id}`);
    await call('GET', `/api/v1/conversations/${unknownConv}`);
    await call('GET', '/api/v1/conversations/not-an-id');
    await call('POST', `/api/v1/conversations/${dm.id}/pin`);
    await call('POST', `/api/v1/conversations/${unknownConv}/pin`);
    await call('DELETE', `/api/v1/conversations/${dm.id}/pin`);
    await call('PATCH', `/api/v1/conversations/${dm.id}`, { is_archived: true });
    await call('PATCH', `/api/v1/conversations/${dm.id}`, { is_archived: false, mute_until: null });
    await call('PATCH', `/api/v1/conversations/${dm.id}`, {});
    await call('POST', `/api/v1/conversations/${dm.id}/tags`, { tags: ['重要', '客户'] });
    await call('POST', `/api/v1/conversations/${dm.id}/tags`, { tags: [] });
    await call('DELETE', `/api/v1/conversations/${dm.id}/tags/${q('客户')}`);
    await call('GET', `/api/v1/tags?account_id=${A}`);
    await call('GET', '/api/v1/tags');
    await call('POST', `/api/v1/users/${q(dm.friend_id)}/block?account_id=${A}`);
    await call('POST', `/api/v1/users/${q(dm.friend_id)}/block?account_id=nobody`);
    await call('GET', `/api/v1/blocked-users?account_id=${A}`);
    await call('DELETE', `/api/v1/users/${q(dm.friend_id)}/block?account_id=${A}`);
    await call('GET', '/api/v1/blocked-users');

    // messages
    const page = (await call('GET', `/api/v1/messages?conversation_id=${dm.id}&limit=100`)).body;
    await call('GET', '/api/v1/messages');
    await call('GET', `/api/v1/direct-messages?account_id=${A}&limit=5`);
    await call('GET', `/api/v1/comments?account_id=${A}&limit=5`);
    await call('GET', `/api/v1/comments?account_id=${A}&channel=direct`);
    const inbound = page.messages.find((m: any) => m.direction === 'inbound');
    const outbound = page.messages.filter((m: any) => m.direction === 'outbound');
    expect(outbound.length).toBeGreaterThan(1);
    const unknownMsg = `m_${'A'.repeat(22)}`;
    await call('GET', `/api/v1/messages/${inbound.id}`);
    await call('GET', `/api/v1/messages/${unknownMsg}`);
    await call('GET', `/api/v1/messages/${inbound.id}/history`);
    await call('GET', `/api/v1/messages/history/${inbound.id}`);
    await call('GET', `/api/v1/messages/history/${unknownMsg}`);
    await call('PUT', `/api/v1/messages/${outbound[0].id}`, { content: '改一下' });
    await call('PUT', `/api/v1/messages/${inbound.id}`, { content: '不能改' });
    await call('PUT', `/api/v1/messages/${unknownMsg}`, { content: '无' });
    await call('PUT', `/api/v1/messages/${outbound[0].id}`, { content: '' });
    await call('DELETE', `/api/v1/messages/${outbound[1].id}`);
    await call('GET', `/api/v1/messages/${outbound[1].id}/history?include_recalled=true`);
    await call('DELETE', `/api/v1/messages/${unknownMsg}`);
    await call('PUT', `/api/v1/messages/${outbound[1].id}`, { content: '撤回了' });

    // search
    await call('POST', '/api/v1/messages/search', { query: '你', account_id: A, limit: 5 });
    await call('POST', '/api/v1/messages/search', {});
    await call('GET', `/api/v1/conversations/search?account_id=${A}&q=${q('你')}`);
    await call('GET', `/api/v1/conversations/search?account_id=${A}`);

    // read state
    await call('PATCH', '/api/v1/messages/mark-read', { conversation_id: dm.id });
    await call('PATCH', '/api/v1/messages/mark-read', { conversation_id: unknownConv });
    await call('PATCH', '/api/v1/messages/mark-read', {});
    await call('POST', `/api/v1/messages/${inbound.id}/read`);
    await call('POST', `/api/v1/messages/${unknownMsg}/read`);
    await call('GET', `/api/v1/unread-summary?account_id=${A}`);
    await call('GET', `/api/v1/conversations/unread/summary?account_id=${A}`);
    await call('GET', '/api/v1/unread-summary');

    // sync
    const sp = (await call('GET', `/api/v1/messages/sync?account_id=${A}&limit=50&device_id=d1`)).body;
    await call('GET', `/api/v1/messages/sync?account_id=${A}&last_sync_timestamp=0&limit=10`);
    await call('GET', `/api/v1/messages/sync?account_id=${A}&cursor=1&last_sync_timestamp=0`);
    await call('POST', '/api/v1/messages/sync/ack', {
      device_id: 'd1',
      account_id: A,
      cursor: sp.next_cursor,
    });
    await call('POST', '/api/v1/messages/sync/ack', { device_id: 'd1', account_id: A, cursor: 1e12 });
    await call('POST', '/api/v1/messages/sync/ack', { device_id: 'd1' });
    await call('GET', `/api/v1/devices?account_id=${A}`);
    await call('GET', '/api/v1/devices');
    await call('GET', `/api/v1/stream?account_id=${A}`);
    await call('GET', '/api/v1/stream');

    // users
    await call('GET', `/api/v1/users/${q(inbound.sender_id)}?account_id=${A}`);
    await call('GET', '/api/v1/users/nobody-at-all');
    await call('POST', '/api/v1/users/batch', { user_ids: [inbound.sender_id, 'nobody-at-all'] });
    await call('POST', '/api/v1/users/batch', { user_ids: [] });

    // replies
    const key = { 'idempotency-key': 'oa-reply-1' };
    const reply = await call(
      'POST',
      '/api/v1/replies',
      { account_id: A, conversation_id: dm.id, content: '好的' },
      key,
    );
    expect(reply.status).toBe(201);
    await call('POST', '/api/v1/replies', { account_id: A, conversation_id: dm.id, content: '好的' }, key);
    await call('POST', '/api/v1/replies', { account_id: A, conversation_id: dm.id, content: '不同' }, key);
    await call('POST', '/api/v1/replies', { account_id: A, content: '好的' }, { 'idempotency-key': 'oa-2' });
    await call('GET', `/api/v1/replies/${reply.body.reply.reply_id}`);
    await call('GET', `/api/v1/replies/r_${'A'.repeat(22)}`);
    await call('GET', `/api/v1/replies?account_id=${A}`);
    await call('GET', '/api/v1/replies?limit=100000');
    await call('GET', `/api/v1/replies/account/${A}/stats`);
    await call('GET', '/api/v1/replies/account/nobody/stats');

    // admin
    await call('GET', '/api/v1/admin/rejected-events');
    await call('GET', '/api/v1/admin/rejected-events?limit=0');
    await call('GET', '/api/v1/admin/live-stats');

    // read your own writes, when the projector is not there yet
    await call('GET', `/api/v1/accounts?min_seq=${1e12}`);
    await call('GET', '/api/v1/accounts?min_seq=x');

    const failures = seen.filter((s) => s.errors.length > 0);
    expect(failures).toEqual([]);
    // every documented operation was exercised, and answered at least once as it should
    const exercised = new Set(seen.map((s) => s.operation));
    expect(documentedOperations(doc).filter((op) => !exercised.has(op))).toEqual([]);
    const statuses = new Set(seen.map((s) => s.status));
    for (const status of [200, 201, 400, 404, 409, 503]) expect(statuses).toContain(status);
  });
});
