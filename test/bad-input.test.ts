import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../src/api/openapi.js';
import { createAuditLog } from '../src/audit/audit-log.js';
import { createActions } from '../src/commands/actions.js';
import { checksumReadModels } from '../src/db/checksum.js';
import { createMetrics } from '../src/metrics.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter } from '../src/projections/wait.js';
import type { Sync } from '../src/sync/index.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { withClientActions } from '../src/worker/simulate-actions.js';
import {
  canBreak,
  type FuzzRequest,
  fuzzRequest,
  type Operation,
  operationsOf,
} from './support/bad-input.js';
import {
  createTestDatabase,
  createTestLog,
  projectedTo,
  rebuildChecksums,
  startTestProjector,
  type TestLog,
  testApp,
  testProjectorPosition,
  testSync,
} from './support/env.js';

// Every operation of the app's own OpenAPI document, sent random and adversarial input in
// every place it takes some (path, query, headers, body, media type): never a 5xx, every
// refusal a JSON error in the API's format naming the field at fault, and nothing a refused
// request sends reaches the log or the read models.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let sync: Sync;
let app: ReturnType<typeof testApp>;
let operations: Operation[];
/** Real ids of the seeded data, offered where a parameter's schema admits them. */
let known: string[];

// BAD_INPUT_SEED and BAD_INPUT_RUNS (a multiplier) explore beyond the fixed run CI makes
const SEED = Number(process.env.BAD_INPUT_SEED ?? 20251022);
const RUNS_TIMES = Number(process.env.BAD_INPUT_RUNS ?? 1);

// the request id is the caller's when sane, else a new one: no value of it is refused
const TOLERATED = new Set(['x-request-id']);

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('bad_input'), createTestDatabase('bad_input')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  sync = await testSync(log, db);
  const events = [
    ...withClientActions(
      simulateEvents({ seed: 8, events: 300, accounts: 2, conversationsPerAccount: 5, runId: 'bad' }),
    ),
  ];
  const results = await log.publisher.publishMany(events);
  await projectedTo(db, projector.name, Math.max(...results.map((r) => r.seq)));
  app = testApp(
    db,
    {
      actions: createActions({ publisher: log.publisher, waitFor }),
      waitFor,
      sync,
      minSeqTimeoutMs: 10,
      audit: createAuditLog({
        sql: db.sql,
        js: log.js,
        jsm: log.jsm,
        stream: log.stream,
        subjects: log.subjects,
        checkpointEvery: 1000,
      }),
      projectorPosition: testProjectorPosition(log, db),
      metrics: createMetrics({ live: () => sync.live.stats() }),
      readiness: async () => ({
        ready: true,
        nats: { ok: true },
        postgres: { ok: true },
        projector: {
          state: 'projecting',
          checkpoint: 1,
          stream_last_seq: 1,
          lag_events: 0,
          last_error: null,
        },
      }),
    },
    // the admin key every request carries, created on the log so that a rebuild has it too
    { log },
  );
  const doc = (await (
    await send({ method: 'GET', url: '/openapi.json', headers: {} })
  ).json()) as OpenApiDocument;
  operations = operationsOf(doc).map((op) => ({
    ...op,
    params: op.params.filter((p) => !TOLERATED.has(p.name)),
  }));
  const ids = await db.sql<{ id: string }[]>`
    select id from (select id from conversations limit 5) c
    union all select id from (select id from messages limit 10) m
    union all select account_id from accounts
    union all select platform_user_id from (select platform_user_id from users limit 5) u
    union all select reply_id from (select reply_id from replies limit 3) r`;
  known = ids.map((r) => r.id);
});

afterAll(async () => {
  await sync?.close();
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

/** Every request of this file goes through here: the one place for what every request carries. */
async function send(req: FuzzRequest): Promise<Response> {
  return app.request(req.url, { method: req.method, headers: req.headers, body: req.body });
}

interface Answer {
  status: number;
  contentType: string;
  body: any;
}

async function answer(req: FuzzRequest): Promise<Answer> {
  const res = await send(req);
  const contentType = res.headers.get('content-type') ?? '';
  let body: unknown = null;
  if (contentType.startsWith('text/event-stream')) await res.body?.cancel();
  else if (contentType.startsWith('application/json')) body = await res.json();
  else await res.arrayBuffer();
  return { status: res.status, contentType, body };
}

/** The names an error may point at for `op`: its parameters, its body's fields, the body itself. */
function fieldsOf(op: Operation): Set<string> {
  return new Set([
    ...op.params.map((p) => p.name),
    ...Object.keys(op.body?.properties ?? {}),
    '(body)',
    'min_seq',
  ]);
}

/** Checks one answer against the rules every answer keeps; returns why it breaks them, or null. */
function broken(op: Operation, req: FuzzRequest, a: Answer): string | null {
  const waitedForSeq =
    a.status === 503 && a.body?.error?.code === 'not_projected_yet' && /[?&]min_seq=/.test(req.url);
  if (a.status >= 500 && !waitedForSeq) return `answered ${a.status}: ${JSON.stringify(a.body)}`;
  if (req.defect && a.status < 400) return `accepted a request whose ${req.defect} breaks the contract`;
  if (a.status < 400) return null;
  if (!a.contentType.startsWith('application/json')) return `error as ${a.contentType || 'no media type'}`;
  const error = a.body?.error;
  const keys = Object.keys(a.body ?? {});
  if (keys.length !== 1 || keys[0] !== 'error' || typeof error !== 'object')
    return 'error body is not { error }';
  if (typeof error.code !== 'string' || !/^[a-z_]+$/.test(error.code)) return `error code ${error.code}`;
  if (typeof error.message !== 'string' || error.message.trim() === '') return 'error without a message';
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'field', 'issues'].includes(k));
  if (extra.length > 0) return `error has ${extra}`;
  if (a.status === 400) {
    if (typeof error.field !== 'string') return `400 without the field at fault: ${error.message}`;
    const head = error.field.split('.')[0];
    if (!fieldsOf(op).has(head))
      return `400 names ${error.field}, which ${op.method} ${op.path} does not take`;
    if (!Array.isArray(error.issues) || error.issues.length === 0) return '400 without issues';
  }
  return null;
}

async function logEnd() {
  return (await log.jsm.streams.info(log.stream)).state.last_seq;
}

describe('bad input to every endpoint', () => {
  it('finds the operations in the document, each with somewhere to send input', () => {
    expect(operations.length).toBeGreaterThan(40);
    // every operation that changes anything can be sent input it must refuse
    const unbreakable = operations.filter((op) => op.method !== 'GET' && !canBreak(op));
    expect(unbreakable.map((op) => `${op.method} ${op.path}`)).toEqual([]);
  });

  it('never answers 5xx, refuses in the error format naming the field, and refused requests change nothing', async () => {
    const endBefore = await logEnd();
    const before = await checksumReadModels(db.sql);
    const failures: string[] = [];
    let requests = 0;
    for (const op of operations) {
      // reads get anything; operations that could change state only get input they must refuse
      const defective = op.method !== 'GET';
      const runs = op.method === 'GET' ? 25 : 35;
      await fc
        .assert(
          fc.asyncProperty(fuzzRequest(op, defective, known), async (req) => {
            requests += 1;
            const a = await answer(req);
            const why = broken(op, req, a);
            if (why) {
              failures.push(
                `${op.method} ${op.path}: ${req.method} ${req.url.slice(0, 200)} ${req.defect ?? ''} → ${why}`,
              );
            }
            expect(why).toBeNull();
          }),
          { seed: SEED, numRuns: runs * RUNS_TIMES, endOnFailure: true },
        )
        .catch(() => {}); // collected above, so that one run reports every operation that fails
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(1000);
    // nothing refused was appended, so the read models are as they were
    expect(await logEnd()).toBe(endBefore);
    await projectedTo(db, projector.name, endBefore);
    expect(await checksumReadModels(db.sql)).toEqual(before);
  });

  it('takes hostile input that the contract allows to every action without a 5xx', async () => {
    const failures: string[] = [];
    let accepted = 0;
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      await fc
        .assert(
          fc.asyncProperty(fuzzRequest(op, false, known), async (req) => {
            const a = await answer(req);
            if (a.status < 300) accepted += 1;
            const why = broken(op, req, a);
            if (why)
              failures.push(
                `${op.method} ${op.path}: ${req.url.slice(0, 200)} ${String(req.body).slice(0, 200)} → ${why}`,
              );
            expect(why).toBeNull();
          }),
          { seed: SEED, numRuns: 30 * RUNS_TIMES, endOnFailure: true },
        )
        .catch(() => {});
    }
    expect(failures).toEqual([]);
    expect(accepted).toBeGreaterThan(0);

    // what was accepted is in the log, and the read models are its projection
    const { live, rebuilt } = await rebuildChecksums(log, db, 'bad_input_rebuilt');
    expect(live).toEqual(rebuilt);
  });
});
