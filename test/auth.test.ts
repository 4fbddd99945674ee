import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS } from '../src/api/access.js';
import type { OpenApiDocument } from '../src/api/openapi.js';
import { createAuditLog } from '../src/audit/audit-log.js';
import { ROLE_PERMISSIONS } from '../src/auth/api-keys.js';
import { createKeyStore, type KeyStore } from '../src/auth/key-store.js';
import { createActions } from '../src/commands/actions.js';
import { createKeyCommands } from '../src/commands/api-keys.js';
import { conversationId, type HubEvent, messageId, parseEvent, type Role } from '../src/events/index.js';
import { silentLogger } from '../src/logger.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter, pollCheckpoint } from '../src/projections/wait.js';
import type { Sync } from '../src/sync/index.js';
import { chatEvents, convOf, pmid } from './support/chat-events.js';
import {
  bearer,
  createLoggedKey,
  createTestDatabase,
  createTestLog,
  eventually,
  publishProjected,
  requestJson,
  startTestProjector,
  type TestKey,
  type TestLog,
  testApp,
  testSync,
} from './support/env.js';
import { createResponseValidator, documentedOperations } from './support/openapi.js';

// API keys against the real app, log and database: every /api/v1 route refuses a request
// without a key, each role reaches what it may and no more, a key limited to some accounts
// sees only them, and what a key does carries its name.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let sync: Sync;
let keys: KeyStore;
let app: ReturnType<typeof testApp>;
let doc: OpenApiDocument;
let validate: ReturnType<typeof createResponseValidator>;
const A = 'dy_授权A';
const B = 'dy_授权B';
const chat = chatEvents('auth');
const k: Record<string, TestKey> = {};

const call = (method: string, path: string, key: TestKey | null, body?: unknown, headers = {}) =>
  requestJson(app, method, path, body, { ...(key ? bearer(key) : {}), ...headers });
/** A call whose answer must match the OpenAPI document too. */
async function documented(method: string, path: string, key: TestKey | null, body?: unknown) {
  const r = await call(method, path, key, body);
  const { errors } = validate({
    method,
    path: path.split('?')[0]!,
    status: r.status,
    contentType: r.headers.get('content-type'),
    body: r.body,
  });
  expect(errors, `${method} ${path} ${r.status}`).toEqual([]);
  return r;
}
const q = encodeURIComponent;

function onlyIn(account: string, user: string, msg: number): HubEvent {
  const e = chat(account, { kind: 'capture', msg }) as Extract<HubEvent, { type: 'MessageCaptured' }>;
  return { ...e, payload: { ...e.payload, sender: { platform_user_id: user, name: user } } };
}

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('auth'), createTestDatabase('auth')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  sync = await testSync(log, db);
  keys = createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() });
  const audit = createAuditLog({
    sql: db.sql,
    js: log.js,
    jsm: log.jsm,
    stream: log.stream,
    subjects: log.subjects,
    checkpointEvery: 1000,
  });
  // no key is added for these requests: each test names its own
  app = testApp(
    db,
    { actions: createActions({ publisher: log.publisher, waitFor }), waitFor, sync, audit, keys },
    { key: null },
  );
  const events: HubEvent[] = [];
  for (const account of [A, B])
    for (let msg = 0; msg < 6; msg++) events.push(chat(account, { kind: 'capture', msg }));
  events.push(chat(A, { kind: 'recall', msg: 4 }), onlyIn(B, '只在B的人', 7));
  await publishProjected(log, db, projector, events);
  for (const role of ['reader', 'operator', 'auditor', 'admin'] as const)
    k[role] = await createLoggedKey(log, db, { role, name: `all-${role}` });
  for (const role of ['reader', 'operator', 'auditor'] as const)
    k[`${role}A`] = await createLoggedKey(log, db, { role, accounts: [A], name: `ops_${role}_a` });
  doc = (await (await app.request('/openapi.json')).json()) as OpenApiDocument;
  validate = createResponseValidator(doc);
});

afterAll(async () => {
  await keys?.close();
  await sync?.close();
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

/** Every documented /api/v1 operation, with its path parameters filled in with something. */
const apiOperations = () =>
  documentedOperations(doc)
    .filter((op) => op.includes(' /api/v1/'))
    .map((op) => {
      const [method, template] = op.split(' ') as [string, string];
      return { op, method, path: template.replace(/\{[^}]+\}/g, 'x') };
    });

describe('every /api/v1 route', () => {
  it('has its role in the access table, and the table names no route that does not exist', () => {
    const ops = apiOperations().map((o) => o.op);
    expect(ops.length).toBeGreaterThan(40);
    expect(Object.keys(ROUTE_ACCESS).sort()).toEqual(ops);
  });

  it('refuses a request without a key: 401, WWW-Authenticate, a JSON error as documented', async () => {
    for (const { op, method, path } of apiOperations()) {
      const r = await documented(method, path, null);
      expect([op, r.status, r.body.error.code]).toEqual([op, 401, 'unauthorized']);
      expect(r.headers.get('www-authenticate'), op).toBe('Bearer realm="im-hub"');
    }
  });

  it('answers each role 403 exactly where the route needs what the role may not do', async () => {
    for (const { op, method, path } of apiOperations()) {
      for (const role of ['reader', 'operator', 'auditor', 'admin'] as Role[]) {
        const allowed = ROLE_PERMISSIONS[role].includes(ROUTE_ACCESS[op]!.permission);
        const r = await call(method, path, k[role]!);
        if (allowed)
          expect([op, role, r.status < 500 && r.status !== 401 && r.status !== 403]).toEqual([
            op,
            role,
            true,
          ]);
        else {
          expect([op, role, r.status, r.body.error.code]).toEqual([op, role, 403, 'forbidden']);
          expect(r.body.error.message, op).toMatch(/needs the role/);
        }
      }
    }
  });
});

describe('a key', () => {
  it('is refused (401) when missing, malformed, unknown, of a wrong secret, or in the query of another route', async () => {
    const path = `/api/v1/conversations?account_id=${q(A)}`;
    const unknown = `imhub_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    const wrongSecret = `${k.admin!.key.slice(0, -43)}${'B'.repeat(43)}`;
    for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer', `Bearer ${k.admin!.key} extra`]) {
      const r = await call('GET', path, null, undefined, { authorization });
      expect([authorization, r.status, r.headers.get('www-authenticate')]).toEqual([
        authorization,
        401,
        'Bearer realm="im-hub", error="invalid_token"',
      ]);
    }
    for (const key of ['not-a-key', unknown, wrongSecret]) {
      const r = await call('GET', path, null, undefined, bearer(key));
      expect([key, r.status, r.body.error.code]).toEqual([key, 401, 'unauthorized']);
    }
    const inQuery = await call('GET', `${path}&access_token=${k.admin!.key}`, null);
    expect(inQuery.status).toBe(401);
    expect((await call('GET', path, k.reader!)).status).toBe(200);
  });

  it('is refused once keys revoke has returned, in this process at once and in another by NOTIFY', async () => {
    const victim = await createLoggedKey(log, db, { role: 'reader', name: 'to-revoke' });
    const path = `/api/v1/conversations?account_id=${q(A)}`;
    // another process's store, trusting what it read for a minute: only the NOTIFY can tell it
    const other = createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() }, { ttlMs: 60_000 });
    try {
      expect((await call('GET', path, victim)).status).toBe(200); // cached in this process now
      expect(await other.authenticate(victim.key)).toMatchObject({ keyId: victim.keyId });
      const commands = createKeyCommands({
        publisher: log.publisher,
        waitFor: pollCheckpoint(db.sql, projector.name),
        db: db.db,
        keys,
      });
      const r = await commands.revoke(victim.keyId, 'cli:test', 30_000);
      expect(r).toMatchObject({ projected: true, already: false });
      const refused = await call('GET', path, victim);
      expect([refused.status, refused.body.error.code]).toEqual([401, 'unauthorized']);
      await eventually(
        async () => ((await other.authenticate(victim.key)) === null ? true : undefined),
        'the other store to drop the revoked key',
      );
      expect(await commands.revoke(victim.keyId, 'cli:test', 30_000)).toMatchObject({ already: true });
    } finally {
      await other.close();
    }
  });
});

describe('roles', () => {
  it('recalled content is for auditors and admins', async () => {
    const recalled = messageId(A, pmid(4));
    for (const [key, status] of [
      [k.reader, 403],
      [k.operator, 403],
      [k.auditor, 200],
      [k.admin, 200],
    ] as const) {
      const r = await call('GET', `/api/v1/messages/${recalled}?include_recalled=true`, key!);
      expect([key!.role, r.status]).toEqual([key!.role, status]);
    }
    expect((await call('GET', `/api/v1/messages/${recalled}`, k.auditor!)).status).toBe(404);
    // however it is spelled
    for (const query of ['include_recalled=1', 'include_recalled=false&include_recalled=true']) {
      const r = await call('GET', `/api/v1/messages/${recalled}/history?${query}`, k.reader!);
      expect([query, r.status]).toEqual([query, 403]);
    }
  });

  it('the hash chain, rejected events and live-stream counters need a key for all accounts', async () => {
    const chain = await documented('GET', '/api/v1/audit/chain', k.auditorA!);
    expect([chain.status, chain.body.error.message]).toEqual([403, expect.stringMatching(/every account/)]);
    expect((await call('GET', '/api/v1/audit/chain', k.auditor!)).status).toBe(200);
    expect((await call('GET', '/api/v1/admin/rejected-events', k.admin!)).status).toBe(200);
  });
});

describe('a key limited to some accounts', () => {
  const convA = conversationId(A, 'direct', convOf(0));
  const convB = conversationId(B, 'direct', convOf(0));
  const msgB = messageId(B, pmid(0));

  it('is refused (403) an account outside its scope, in the path, the query or the body', async () => {
    const reader = k.readerA!;
    const refusals: [string, string, unknown?][] = [
      ['GET', `/api/v1/accounts/${q(B)}`],
      ['GET', `/api/v1/replies/account/${q(B)}/stats`],
      ['GET', `/api/v1/conversations?account_id=${q(B)}`],
      ['GET', `/api/v1/conversations/${convB}`],
      ['GET', `/api/v1/conversations/search?account_id=${q(B)}&q=${q('你好')}`],
      ['GET', `/api/v1/messages?conversation_id=${convB}`],
      ['GET', `/api/v1/messages/${msgB}`],
      ['GET', `/api/v1/messages/${msgB}/history`],
      ['GET', `/api/v1/unread-summary?account_id=${q(B)}`],
      ['GET', `/api/v1/tags?account_id=${q(B)}`],
      ['GET', `/api/v1/blocked-users?account_id=${q(B)}`],
      ['GET', `/api/v1/replies?account_id=${q(B)}`],
      ['GET', `/api/v1/users/${q('粉丝_0')}?account_id=${q(B)}`],
      ['GET', `/api/v1/messages/sync?account_id=${q(B)}`],
      ['GET', `/api/v1/devices?account_id=${q(B)}`],
      ['GET', `/api/v1/stream?account_id=${q(B)}`],
      ['POST', '/api/v1/messages/search', { query: '你好', account_id: B }],
      ['POST', '/api/v1/messages/search', { query: '你好', conversation_id: convB }],
      ['POST', '/api/v1/users/batch', { user_ids: ['粉丝_0'], account_id: B }],
      ['POST', '/api/v1/messages/sync/ack', { device_id: 'd1', account_id: B, cursor: 1 }],
    ];
    for (const [method, path, body] of refusals) {
      const r = await documented(method, path, reader, body);
      expect([method, path, r.status, r.body.error.code]).toEqual([method, path, 403, 'forbidden']);
    }
    const stream = await call('GET', `/api/v1/stream?account_id=${q(B)}&access_token=${reader.key}`, null);
    expect(stream.status).toBe(403);
    const twice = await call('GET', `/api/v1/conversations?account_id=${q(A)}&account_id=${q(B)}`, reader);
    expect(twice.status).toBe(403);
    // the same in its own account answers
    for (const path of [`/api/v1/conversations/${convA}`, `/api/v1/accounts/${q(A)}`])
      expect((await call('GET', path, reader)).status).toBe(200);
  });

  it('is refused (403) an action on another account, and nothing is appended', async () => {
    const operator = k.operatorA!;
    const before = (await log.jsm.streams.info(log.stream)).state.last_seq;
    const refusals: [string, string, unknown?, Record<string, string>?][] = [
      ['POST', `/api/v1/conversations/${convB}/pin`],
      ['PATCH', `/api/v1/conversations/${convB}`, { is_archived: true }],
      ['POST', `/api/v1/conversations/${convB}/tags`, { tags: ['重要'] }],
      ['PATCH', '/api/v1/messages/mark-read', { conversation_id: convB }],
      ['PATCH', '/api/v1/messages/mark-read', { message_ids: [messageId(A, pmid(1)), msgB] }],
      ['POST', `/api/v1/messages/${msgB}/read`],
      ['PUT', `/api/v1/messages/${msgB}`, { content: '改' }],
      ['DELETE', `/api/v1/messages/${msgB}`],
      ['POST', `/api/v1/users/${q('粉丝_0')}/block?account_id=${q(B)}`],
      [
        'POST',
        '/api/v1/replies',
        { account_id: B, conversation_id: convB, content: '您好' },
        { 'idempotency-key': 'auth-1' },
      ],
    ];
    for (const [method, path, body, headers] of refusals) {
      const r = await call(method, path, operator, body, headers);
      expect([method, path, r.status]).toEqual([method, path, 403]);
    }
    expect((await log.jsm.streams.info(log.stream)).state.last_seq).toBe(before);
  });

  it('lists only its own accounts where no account_id is given', async () => {
    const reader = k.readerA!;
    const accounts = await call('GET', '/api/v1/accounts', reader);
    expect(accounts.body.accounts.map((a: any) => a.account_id)).toEqual([A]);
    const all = await call('GET', '/api/v1/accounts', k.reader!);
    expect(all.body.accounts.map((a: any) => a.account_id).sort()).toEqual([A, B].sort());
    const status = await call('GET', '/api/v1/accounts/status/all', reader);
    expect(status.body.accounts.map((a: any) => a.account_id)).toEqual([A]);
    const conversations = await call('GET', '/api/v1/conversations?limit=200', reader);
    expect(new Set(conversations.body.conversations.map((c: any) => c.account_id))).toEqual(new Set([A]));
    expect(conversations.body.total).toBe(3);
    const search = await call('POST', '/api/v1/messages/search', reader, { query: '你好' });
    expect(search.body.total).toBeGreaterThan(0);
    expect(new Set(search.body.messages.map((m: any) => m.account_id))).toEqual(new Set([A]));
    const everyone = await call('POST', '/api/v1/messages/search', k.reader!, { query: '你好' });
    expect(everyone.body.total).toBeGreaterThan(search.body.total);
    const replies = await call('GET', '/api/v1/replies', reader);
    expect(replies.status).toBe(200);
    const history = await call('GET', '/api/v1/audit/events', k.auditorA!);
    expect([history.status, history.body.error.message]).toEqual([
      403,
      expect.stringMatching(/give account_id/),
    ]);
    const own = await call('GET', `/api/v1/audit/events?account_id=${q(A)}&limit=1000`, k.auditorA!);
    expect(own.body.events.length).toBeGreaterThan(0);
    expect(new Set(own.body.events.map((e: any) => e.event.account_id))).toEqual(new Set([A]));
  });

  it('sees a shared user only through its accounts, and an unknown one not at all', async () => {
    const shared = await call('GET', `/api/v1/users/${q('粉丝_0')}`, k.readerA!);
    const full = await call('GET', `/api/v1/users/${q('粉丝_0')}`, k.reader!);
    expect(full.body.accounts.sort()).toEqual([A, B].sort());
    expect(shared.body).toMatchObject({ user_id: '粉丝_0', accounts: [A] });
    expect(shared.body.message_count).toBe(full.body.message_count / 2);
    expect((await call('GET', `/api/v1/users/${q('只在B的人')}`, k.readerA!)).status).toBe(404);
    expect((await call('GET', `/api/v1/users/${q('只在B的人')}`, k.reader!)).status).toBe(200);
    const batch = await call('POST', '/api/v1/users/batch', k.readerA!, {
      user_ids: ['粉丝_1', '只在B的人'],
    });
    expect([batch.body.users.map((u: any) => u.user_id), batch.body.missing]).toEqual([
      ['粉丝_1'],
      ['只在B的人'],
    ]);
  });
});

describe('what a key does', () => {
  it('carries its name and id in the event, and auditors see them in the raw history', async () => {
    const operator = k.operatorA!;
    const conv = conversationId(A, 'direct', convOf(1));
    const pinned = await call('POST', `/api/v1/conversations/${conv}/pin`, operator);
    expect(pinned.status).toBe(200);
    const stored = await log.jsm.streams.getMessage(log.stream, { seq: pinned.body.seq });
    const event = parseEvent(JSON.parse(new TextDecoder().decode(stored!.data)));
    expect(event).toMatchObject({
      ok: true,
      event: { type: 'ConversationPinned', actor: operator.name, actor_key_id: operator.keyId },
    });
    const raw = await call('GET', `/api/v1/audit/events?from_seq=${pinned.body.seq}&limit=1`, k.auditor!);
    expect(raw.body.events[0].event).toMatchObject({ actor: operator.name, actor_key_id: operator.keyId });
    const recall = await call('DELETE', `/api/v1/messages/${messageId(A, pmid(2))}`, operator);
    expect(recall.body.recall.recalled_by).toBe(operator.name);
  });
});

describe('limits', () => {
  it('answers 429 with Retry-After past a key’s burst, and other keys are not held back', async () => {
    const limited = testApp(db, { keys, rateLimit: { rps: 0.001, burst: 2 } }, { key: null });
    const path = `/api/v1/accounts/${q(A)}`;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await limited.request(path, { headers: bearer(k.reader!) });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await last!.json()) as any;
    expect(body.error.code).toBe('rate_limited');
    expect(
      validate({ method: 'GET', path, status: 429, contentType: 'application/json', body }).errors,
    ).toEqual([]);
    expect((await limited.request(path, { headers: bearer(k.admin!) })).status).toBe(200);
  });

  it('answers 413 to a body over the limit, before reading it', async () => {
    const small = testApp(db, { keys, maxBodyBytes: 1024 }, { key: null });
    const path = '/api/v1/messages/search';
    const ok = await requestJson(small, 'POST', path, { query: '你好' }, bearer(k.reader!));
    expect(ok.status).toBe(200);
    const big = await requestJson(
      small,
      'POST',
      path,
      { query: '你好', pad: 'x'.repeat(2000) },
      bearer(k.reader!),
    );
    expect([big.status, big.body.error.code]).toEqual([413, 'payload_too_large']);
    expect(big.body.error.message).toMatch(/MAX_BODY_BYTES/);
    const { errors } = validate({
      method: 'POST',
      path,
      status: 413,
      contentType: 'application/json',
      body: big.body,
    });
    expect(errors).toEqual([]);
  });
});
