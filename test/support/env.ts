import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { inject } from 'vitest';
import { type AppDeps, createApp } from '../../src/api/create-app.js';
import { createKeyStore } from '../../src/auth/key-store.js';
import { checksumReadModels } from '../../src/db/checksum.js';
import { createDb, type Db } from '../../src/db/client.js';
import { ensureDatabase, runMigrations } from '../../src/db/migrate.js';
import { connectNats, type Nats } from '../../src/log/connect.js';
import { createPartitions, type Partitions } from '../../src/log/partitions.js';
import { createPublisher, type Publisher } from '../../src/log/publisher.js';
import { ensurePartitionStreams, ensureStream } from '../../src/log/stream.js';
import { createSubjects, type Subjects } from '../../src/log/subjects.js';
import { silentLogger } from '../../src/logger.js';
import { createProjector, type ProjectorOptions } from '../../src/projections/projector.js';
import { devicesBucket } from '../../src/sync/devices.js';
import { createSync } from '../../src/sync/index.js';
import type { LiveOptions } from '../../src/sync/live.js';
import { createLoggedKey, insertTestKey, type TestKey } from './keys.js';

export { bearer, createLoggedKey, insertTestKey, type TestKey } from './keys.js';

export const pgServerUrl = () => inject('pgUrl');
export const natsUrl = () => inject('natsUrl');

const suffix = () => randomBytes(4).toString('hex');

/** A database of its own for one test file, migrated; `drop()` removes it. */
export async function createTestDatabase(
  label: string,
): Promise<Db & { url: string; drop(): Promise<void> }> {
  const u = new URL(pgServerUrl());
  u.pathname = `/t_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${suffix()}`;
  const url = u.toString();
  await ensureDatabase(url);
  const db = createDb(url, { max: 5 });
  await runMigrations(db.db);
  return {
    ...db,
    url,
    async drop() {
      await db.close();
      const admin = createDb(pgServerUrl(), { max: 1 });
      await admin.sql.unsafe(`drop database if exists "${u.pathname.slice(1)}" with (force)`);
      await admin.close();
    },
  };
}

export interface TestLog extends Nats {
  stream: string;
  subjects: Subjects;
  publisher: Publisher;
  close(): Promise<void>;
}

/** A stream and subject prefix of its own for one test file; `close()` deletes the stream. */
export async function createTestLog(label: string, duplicateWindowMs = 60_000): Promise<TestLog> {
  const id = suffix();
  const stream = `T_${label.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_${id}`;
  const subjects = createSubjects(`t${id}.${label.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`);
  const nats = await connectNats({ url: natsUrl(), name: `test-${label}` });
  await ensureStream(nats.jsm, { name: stream, subjects, duplicateWindowMs, replicas: 1 });
  return {
    ...nats,
    stream,
    subjects,
    publisher: createPublisher({ js: nats.js, stream, subjects }),
    async close() {
      await nats.jsm.streams.delete(stream).catch(() => {});
      await nats.jsm.streams.delete(`KV_${devicesBucket(stream)}`).catch(() => {});
      await nats.nc.close();
    },
  };
}

export interface PartitionedTestLog extends Nats {
  partitions: Partitions;
  publisher: Publisher;
  close(): Promise<void>;
}

/** A partitioned log of its own for one test file (streams `<base>_P<i>`); `close()` deletes it. */
export async function createPartitionedTestLog(label: string, count: number): Promise<PartitionedTestLog> {
  const id = suffix();
  const partitions = createPartitions({
    stream: `T_${label.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_${id}`,
    prefix: `t${id}.${label.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`,
    count,
  });
  const nats = await connectNats({ url: natsUrl(), name: `test-${label}` });
  await ensurePartitionStreams(nats.jsm, partitions, { duplicateWindowMs: 60_000, replicas: 1 });
  return {
    ...nats,
    partitions,
    publisher: createPublisher({ js: nats.js, partitions }),
    async close() {
      for (const p of partitions.list) await nats.jsm.streams.delete(p.stream).catch(() => {});
      await nats.jsm.streams.delete(`KV_${devicesBucket(partitions.base)}`).catch(() => {});
      await nats.nc.close();
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
  everyMs = 25,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function checkpointOf(db: Db, projector: string): Promise<number> {
  const [row] = await db.sql<{ last_seq: number }[]>`
    select last_seq from projector_checkpoints where projector = ${projector}`;
  return row?.last_seq ?? 0;
}

/** Waits until the projector's committed checkpoint reaches `seq`. */
export function projectedTo(db: Db, projector: string, seq: number, timeoutMs = 60_000) {
  return eventually(
    async () => ((await checkpointOf(db, projector)) >= seq ? true : undefined),
    `${projector} to reach ${seq}`,
    timeoutMs,
  );
}

/** Publishes events, waits until the projector has applied them, and returns their sequences. */
export async function publishProjected(
  log: TestLog,
  db: Db,
  projector: { name: string },
  events: readonly unknown[],
): Promise<number[]> {
  const r = await log.publisher.publishMany(events);
  await projectedTo(db, projector.name, Math.max(...r.map((x) => x.seq)));
  return r.map((x) => x.seq);
}

/** Each test database's admin key, made once (by the first `testApp` over it). */
const adminKeys = new WeakMap<Db, Promise<TestKey>>();

/** The admin key `testApp` sends by default: created on the log when `log` is given, else written to the table. */
export function testAdminKey(db: Db, log?: TestLog): Promise<TestKey> {
  let key = adminKeys.get(db);
  if (!key) {
    const o = { role: 'admin', name: 'test-admin' } as const;
    key = log ? createLoggedKey(log, db, o) : insertTestKey(db, o);
    adminKeys.set(db, key);
  }
  return key;
}

export interface TestAppAuth {
  /**
   * The key sent when a request names none (no `Authorization` header, no `access_token`):
   * by default the database's admin key (`testAdminKey`); null sends none.
   */
  key?: TestKey | null;
  /**
   * The test's log, with a projector running: the admin key is then created as `keys create`
   * does, on the log, so that comparing the read models with a rebuild finds it in both.
   * Without it the key is written straight into `api_keys`.
   */
  log?: TestLog;
}

/**
 * The HTTP app over a test database, for `app.request()` calls and `serveApp` (readiness is not
 * under test). Every request that names no key is sent with the admin key (see `TestAppAuth`).
 */
export function testApp(db: Db, deps: Partial<AppDeps> = {}, auth: TestAppAuth = {}) {
  const app = createApp({
    db: db.db,
    log: silentLogger(),
    readiness: async () => {
      throw new Error('readiness is not part of this test');
    },
    keys: createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() }),
    ...deps,
  });
  if (auth.key === null) return app;
  const key = auth.key ? Promise.resolve(auth.key) : testAdminKey(db, auth.log);
  const fetch = app.fetch;
  app.fetch = async (req, ...rest) => {
    const named = req.headers.has('authorization') || new URL(req.url).searchParams.has('access_token');
    if (named) return fetch(req, ...rest);
    const headers = new Headers(req.headers);
    headers.set('authorization', `Bearer ${(await key).key}`);
    return fetch(new Request(req, { headers }), ...rest);
  };
  return app;
}

/** The projector of a test log into a test database, started. */
export function startTestProjector(log: TestLog, db: Db, options: ProjectorOptions = {}) {
  const projector = createProjector(
    { sql: db.sql, js: log.js, stream: log.stream, subjects: log.subjects, log: silentLogger() },
    options,
  );
  projector.start();
  return projector;
}

/** The projector's checkpoint and the test stream's end, as the service reports them (`projectorPosition`). */
export function testProjectorPosition(log: TestLog, db: Db) {
  return async () => ({
    checkpoint: await checkpointOf(db, `read-models:${log.stream}`),
    stream_last_seq: (await log.jsm.streams.info(log.stream)).state.last_seq,
  });
}

/** One JSON request to an app (`app.request`); a string body is sent as it is. */
export async function requestJson(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.request(path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/**
 * Projects the whole stream into a fresh database and returns the checksums of both read
 * models, the live one (`db`, once projected to the end) and the rebuilt one.
 */
export async function rebuildChecksums(log: TestLog, db: Db, label: string) {
  const last = (await log.jsm.streams.info(log.stream)).state.last_seq;
  await projectedTo(db, `read-models:${log.stream}`, last);
  const fresh = await createTestDatabase(label);
  try {
    const p = startTestProjector(log, fresh);
    await projectedTo(fresh, p.name, last);
    await p.stop();
    return { live: await checksumReadModels(db.sql), rebuilt: await checksumReadModels(fresh.sql) };
  } finally {
    await fresh.drop();
  }
}

/** Sync pages, device cursors and the live stream over a test log and database. */
export function testSync(log: TestLog, db: Db, live: Partial<LiveOptions> = {}) {
  return createSync(
    {
      db: db.db,
      sql: db.sql,
      js: log.js,
      jsm: log.jsm,
      stream: log.stream,
      subjects: log.subjects,
      projector: `read-models:${log.stream}`,
      log: silentLogger(),
    },
    live,
  );
}

/** Serves an app over real HTTP on a free port (for streams and browsers). */
export async function serveApp(app: {
  fetch: (req: Request, env?: unknown) => Response | Promise<Response>;
}) {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
