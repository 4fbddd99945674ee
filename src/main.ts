import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './api/create-app.js';
import type { Readiness } from './api/routes/health.routes.js';
import { createAuditLog } from './audit/audit-log.js';
import { createKeyStore } from './auth/key-store.js';
import { createActions } from './commands/actions.js';
import { createReplySweeper } from './commands/reply-expiry.js';
import type { Config } from './config.js';
import { createDb, type Db } from './db/client.js';
import { ensureDatabase, redactUrl, runMigrations } from './db/migrate.js';
import { connectNats, type Nats } from './log/connect.js';
import { createPublisher } from './log/publisher.js';
import { ensureStream } from './log/stream.js';
import { createSubjects } from './log/subjects.js';
import type { Logger } from './logger.js';
import { createMetrics, type ServiceState } from './metrics.js';
import { createProjector } from './projections/projector.js';
import { createProjectionWaiter } from './projections/wait.js';
import { createSync } from './sync/index.js';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Connects to Postgres, creating the database and applying migrations when needed. */
export async function openDatabase(config: Config, log: Logger): Promise<Db> {
  try {
    await ensureDatabase(config.DATABASE_URL);
  } catch (e) {
    throw new Error(
      `cannot reach Postgres at ${redactUrl(config.DATABASE_URL)}: ${(e as Error).message}. Start Postgres or set DATABASE_URL.`,
      { cause: e },
    );
  }
  const db = createDb(config.DATABASE_URL);
  await runMigrations(db.db);
  log.info({ database: redactUrl(config.DATABASE_URL) }, 'database migrated');
  return db;
}

export async function openLog(
  config: Config,
  log: Logger,
): Promise<Nats & { subjects: ReturnType<typeof createSubjects> }> {
  const nats = await connectNats({
    url: config.NATS_URL,
    user: config.NATS_USER,
    pass: config.NATS_PASSWORD,
  });
  const subjects = createSubjects(config.SUBJECT_PREFIX);
  const info = await ensureStream(nats.jsm, {
    name: config.STREAM_NAME,
    subjects,
    duplicateWindowMs: config.DEDUP_WINDOW_MS,
    replicas: config.STREAM_REPLICAS,
  });
  log.info(
    { stream: config.STREAM_NAME, subjects: subjects.all, last_seq: info.state.last_seq },
    'stream ready',
  );
  return { ...nats, subjects };
}

export interface Service {
  port: number;
  stop(): Promise<void>;
}

/**
 * The composition root: builds every connection, wires the projector and the API, and
 * returns a handle that drains them in order.
 */
export async function startService(config: Config, log: Logger): Promise<Service> {
  const db = await openDatabase(config, log);
  const nats = await openLog(config, log).catch(async (e) => {
    await db.close();
    throw e;
  });
  const projector = createProjector(
    { sql: db.sql, js: nats.js, stream: config.STREAM_NAME, subjects: nats.subjects, log },
    {
      batchSize: config.PROJECTOR_BATCH_SIZE,
      chainCheckpointEvery: config.AUDIT_CHECKPOINT_EVERY,
      progressIntervalMs: config.PROJECTOR_PROGRESS_MS,
    },
  );
  const sync = await createSync(
    {
      db: db.db,
      sql: db.sql,
      js: nats.js,
      jsm: nats.jsm,
      stream: config.STREAM_NAME,
      subjects: nats.subjects,
      projector: projector.name,
      log,
    },
    { heartbeatMs: config.LIVE_HEARTBEAT_MS, maxBufferBytes: config.LIVE_BUFFER_BYTES },
  );
  const metrics = createMetrics({ state, live: () => sync.live.stats(), processMetrics: true });
  projector.events.on('committed', metrics.batchCommitted);
  projector.start();

  async function readiness(): Promise<Readiness> {
    const status = projector.status();
    const [natsCheck, pgCheck, streamInfo] = await Promise.allSettled([
      withTimeout(nats.nc.flush(), 2000, 'NATS'),
      withTimeout(
        db.sql<
          { last_seq: number }[]
        >`select last_seq from projector_checkpoints where projector = ${projector.name}`,
        2000,
        'Postgres',
      ),
      withTimeout(nats.jsm.streams.info(config.STREAM_NAME), 2000, 'JetStream'),
    ]);
    const error = (r: PromiseSettledResult<unknown>) =>
      r.status === 'rejected' ? (r.reason as Error).message : undefined;
    const checkpoint = pgCheck.status === 'fulfilled' ? (pgCheck.value[0]?.last_seq ?? 0) : status.checkpoint;
    const lastSeq = streamInfo.status === 'fulfilled' ? streamInfo.value.state.last_seq : null;
    const natsOk = natsCheck.status === 'fulfilled' && streamInfo.status === 'fulfilled';
    const pgOk = pgCheck.status === 'fulfilled';
    return {
      ready: natsOk && pgOk && (status.state === 'projecting' || status.state === 'standby'),
      nats: { ok: natsOk, error: error(natsCheck) ?? error(streamInfo) },
      postgres: { ok: pgOk, error: error(pgCheck) },
      projector: {
        state: status.state,
        checkpoint,
        stream_last_seq: lastSeq,
        lag_events: lastSeq === null ? null : Math.max(0, lastSeq - checkpoint),
        last_error: status.lastError,
      },
    };
  }

  /** For /metrics: readiness, and how long the oldest event not yet projected has waited. */
  async function state(): Promise<ServiceState> {
    const r = await readiness();
    const { checkpoint, stream_last_seq, lag_events } = r.projector;
    let lagSeconds: number | null = lag_events === 0 ? 0 : null;
    if (lag_events !== null && lag_events > 0) {
      const storedAt = await withTimeout(sync.storedAt(checkpoint + 1), 2000, 'JetStream').catch(() => null);
      if (storedAt !== null) lagSeconds = Math.max(0, (Date.now() - storedAt) / 1000);
    }
    return {
      natsUp: r.nats.ok,
      postgresUp: r.postgres.ok,
      projector: {
        state: r.projector.state as ServiceState['projector']['state'],
        checkpoint: r.postgres.ok ? checkpoint : null,
        streamLastSeq: stream_last_seq,
        lagEvents: lag_events,
        lagSeconds,
      },
    };
  }

  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  const publisher = createPublisher({
    js: nats.js,
    stream: config.STREAM_NAME,
    subjects: nats.subjects,
    observe: metrics.published,
  });
  const actions = createActions({ publisher, waitFor });
  const sweeper = createReplySweeper(
    { db: db.db, publisher, log, isActive: () => projector.status().state === 'projecting' },
    { intervalMs: config.REPLY_SWEEP_MS },
  );
  async function projectorPosition() {
    const [rows, info] = await Promise.all([
      db.sql<
        { last_seq: number }[]
      >`select last_seq from projector_checkpoints where projector = ${projector.name}`,
      withTimeout(nats.jsm.streams.info(config.STREAM_NAME), 2000, 'JetStream').catch(() => null),
    ]);
    return { checkpoint: rows[0]?.last_seq ?? 0, stream_last_seq: info?.state.last_seq ?? null };
  }
  const audit = createAuditLog({
    sql: db.sql,
    js: nats.js,
    jsm: nats.jsm,
    stream: config.STREAM_NAME,
    subjects: nats.subjects,
    checkpointEvery: config.AUDIT_CHECKPOINT_EVERY,
  });
  const keys = createKeyStore({ db: db.db, sql: db.sql, log }, { ttlMs: config.API_KEY_CACHE_MS });
  const app = createApp({
    db: db.db,
    log,
    keys,
    rateLimit: { rps: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST },
    maxBodyBytes: config.MAX_BODY_BYTES,
    readiness,
    actions,
    waitFor,
    sync,
    audit,
    projectorPosition,
    replyTimeoutMs: config.REPLY_TIMEOUT_MS,
    metrics,
  });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (e) {
    await sync.close();
    await keys.close();
    await projector.stop();
    await nats.nc.drain().catch(() => {});
    await db.close();
    const where = `${config.HOST}:${config.PORT}`;
    throw new Error(
      (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `cannot listen on ${where}: the port is in use. Stop the process that holds it, or set PORT (PORT=0 picks a free one)`
        : `cannot listen on ${where}: ${(e as Error).message}. Check HOST and PORT`,
      { cause: e },
    );
  }
  const port = (server.address() as AddressInfo).port;
  sweeper.start();
  log.info({ url: `http://${config.HOST}:${port}`, stream: config.STREAM_NAME }, 'im-hub listening');

  let stopping: Promise<void> | null = null;
  return {
    port,
    stop() {
      stopping ??= (async () => {
        log.info('shutting down: closing HTTP, draining the projector');
        await sync.close(); // live streams end first: the HTTP server waits for open responses
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        });
        await sweeper.stop();
        await keys.close();
        await projector.stop();
        await nats.nc.drain().catch(() => {});
        await db.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
