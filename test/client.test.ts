import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { CLIENT_TYPES, generateClientTypes } from '../scripts/generate-client.js';
import { type Conversation, createHubClient, type HubClient } from '../src/client/index.js';
import { createActions } from '../src/commands/actions.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter } from '../src/projections/wait.js';
import { simulateEvents } from '../src/worker/simulate.js';
import {
  createLoggedKey,
  createTestDatabase,
  createTestLog,
  projectedTo,
  serveApp,
  startTestProjector,
  type TestLog,
  testApp,
} from './support/env.js';

// The typed client (`im-hub/client`) against the real API over HTTP.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let http: Awaited<ReturnType<typeof serveApp>>;
let hub: HubClient;
const A = 'dy_10001';

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('client'), createTestDatabase('client')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  const results = await log.publisher.publishMany([
    ...simulateEvents({ seed: 33, events: 200, accounts: 1, conversationsPerAccount: 4, runId: 'client' }),
  ]);
  await projectedTo(db, projector.name, Math.max(...results.map((r) => r.seq)));
  // no key is added for it: the client sends its own
  http = await serveApp(
    testApp(db, { actions: createActions({ publisher: log.publisher, waitFor }), waitFor }, { key: null }),
  );
  const { key } = await createLoggedKey(log, db, { role: 'operator', name: 'client-ops' });
  hub = createHubClient({ baseUrl: http.url, apiKey: key });
});

afterAll(async () => {
  await http?.close();
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('the typed client', () => {
  it('is generated from the current routes (npm run client:generate)', async () => {
    expect(
      readFileSync(CLIENT_TYPES, 'utf8') === (await generateClientTypes()),
      'run npm run client:generate',
    ).toBe(true);
  });

  it('is exported from the package, like the worker side', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    for (const entry of ['./client', './worker']) {
      const { types, default: main } = pkg.exports[entry];
      // what the build (tsc -p tsconfig.build.json: src → dist) makes of a source file
      const source = main.replace(/^\.\/dist\//, '../src/').replace(/\.js$/, '.ts');
      expect(existsSync(new URL(source, import.meta.url)), `${entry}: ${source}`).toBe(true);
      expect(types).toBe(main.replace(/\.js$/, '.d.ts'));
    }
  });

  it('reads, searches and acts with typed parameters and answers', async () => {
    const list = await hub.GET('/api/v1/conversations', {
      params: { query: { account_id: A, sort_by: 'unread_count', limit: 10 } },
    });
    expect(list.error).toBeUndefined();
    const conversations = list.data!.conversations;
    expectTypeOf(conversations).toEqualTypeOf<Conversation[]>();
    expectTypeOf(list.data!.unread_total).toEqualTypeOf<number>();
    expect(conversations.length).toBe(4);
    const counts = conversations.map((c) => c.unread_count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));

    const conversation = conversations.find((c) => c.unread_count > 0)!;
    const messages = await hub.GET('/api/v1/messages', {
      params: { query: { conversation_id: conversation.id, limit: 5 } },
    });
    const first = messages.data!.messages[0]!;
    const one = await hub.GET('/api/v1/messages/{id}', { params: { path: { id: first.id } } });
    expect(one.data).toEqual(first);

    const search = await hub.POST('/api/v1/messages/search', {
      body: { query: first.content.slice(0, 2), account_id: A, limit: 5 },
    });
    expect(search.data!.total).toBeGreaterThan(0);
    expectTypeOf(search.data!.messages[0]!.snippet).toEqualTypeOf<string>();

    const read = await hub.PATCH('/api/v1/messages/mark-read', {
      body: { conversation_id: conversation.id },
      headers: { 'x-request-id': 'client-read-1' },
    });
    expect(read.response.status).toBe(200);
    expect(read.response.headers.get('x-request-id')).toBe('client-read-1');
    // recalled messages are read too, though unread_count leaves them out
    expect(read.data!.updated).toBeGreaterThanOrEqual(conversation.unread_count);
    const after = await hub.GET('/api/v1/conversations/{id}', {
      params: { path: { id: conversation.id }, query: { min_seq: read.data!.seq } },
    });
    expect(after.data!.unread_count).toBe(0);
  });

  it('types the error answers too', async () => {
    const missing = await hub.GET('/api/v1/conversations/{id}', {
      params: { path: { id: `c_${'Z'.repeat(22)}` } },
    });
    expect(missing.data).toBeUndefined();
    expect(missing.response.status).toBe(404);
    expect(missing.error!.error.code).toBe('not_found');
    const bad = await hub.GET('/api/v1/conversations', { params: { query: { limit: 0 } } });
    expect(bad.error!.error).toMatchObject({ code: 'invalid_request', field: 'limit' });
    const anonymous = createHubClient({ baseUrl: http.url });
    const refused = await anonymous.GET('/api/v1/conversations', { params: { query: { account_id: A } } });
    expect(refused.response.status).toBe(401);
    expect(refused.error!.error.code).toBe('unauthorized');
  });
});
