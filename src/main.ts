import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp, createOperationsApp } from './api/create-app.js';
import type { ProjectorPosition } from './api/routes/accounts.routes.js';
import type { Readiness } from './api/routes/health.routes.js';
import { createAuditLog, createPartitionedAudit } from './audit/audit-log.js';
import { createKeyStore } from './auth/key-store.js';
import { createActions } from './commands/actions.js';
import { createReplySweeper } from './commands/reply-expiry.js';
import { type Config, projectedPartitions } from './config.js';
import { createDb, type Db } from './db/client.js';
import { ensureDatabase, redactUrl, runMigrations } from './db/migrate.js';
import { connectNats, type Nats } from './log/connect.js';
import { createPartitions, type Partitions } from './log/partitions.js';
import { createPublisher } from './log/publisher.js';
import { ensurePartitionStreams } from './log/stream.js';
import type { Logger } from './logger.js';
import { createMetrics, type ServiceState } from './metrics.js';
import { createProjector } from './projections/projector.js';
import { createProjectionWaiter, type WaitForSeq } from './projections/wait.js';
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
export async function openDatabase(
  config: Config,
  log: Logger,
  pool: { max?: number; applicationName?: string } = {},
): Promise<Db> {
  try {
    await ensureDatabase(config.DATABASE_URL);
  } catch (e) {
    throw new Error(
      `cannot reach Postgres at ${redactUrl(config.DATABASE_URL)}: ${(e as Error).message}. Start Postgres or set DATABASE_URL.`,
      { cause: e },
    );
  }
  const db = createDb(config.DATABASE_URL, pool);
  await runMigrations(db.db);
  log.info({ database: redactUrl(config.DATABASE_URL) }, 'database migrated');
  return db;
}

export async function openLog(config: Config, log: Logger): Promise<Nats & { partitions: Partitions }> {
  const nats = await connectNats({
    url: config.NATS_URL,
    user: config.NATS_USER,
    pass: config.NATS_PASSWORD,
  });
  const partitions = createPartitions({
    stream: config.STREAM_NAME,
    prefix: config.SUBJECT_PREFIX,
    count: config.PARTITIONS,
  });
  try {
    const infos = await ensurePartitionStreams(nats.jsm, partitions, {
      duplicateWindowMs: config.DEDUP_WINDOW_MS,
      replicas: config.STREAM_REPLICAS,
    });
    for (const [i, p] of partitions.list.entries()) {
      log.info(
        { stream: p.stream, subjects: p.subjects.all, last_seq: infos[i]!.state.last_seq },
        'stream ready',
      );
    }
  } catch (e) {
    await nats.nc.close().catch(() => {});
    throw e;
  }
  return { ...nats, partitions };
}

export interface Service {
  port: number;
  stop(): Promise<void>;
}

/** Where one partition's read models are, as `/ready` reports it. */
interface PartitionPosition {
  partition: number;
  stream: string;
  state: ServiceState['projector']['state'];
  checkpoint: number;
  stream_last_seq: number | null;
  lag_events: number | null;
  last_error: string | null;
}

/** The state a process reports for several projectors: the one that needs attention first. */
function combinedState(states: ServiceState['projector']['state'][]): ServiceState['projector']['state'] {
  for (const s of ['failing', 'projecting', 'standby', 'idle', 'stopped'] as const)
    if (states.includes(s)) return s;
  return 'remote';
}

/**
 * The composition root: builds every connection, wires the projectors and the API as the role
 * asks (`ROLE`), and returns a handle that drains them in order.
 */
export async function startService(config: Config, log: Logger): Promise<Service> {
  const role = config.ROLE;
  // Each partition's projector holds a connection for its lock and uses one for its batch, beside
  // the API's queries; sessions are named after the role, so pg_stat_activity tells them apart.
  const projected = role === 'api' ? [] : projectedPartitions(config);
  const db = await openDatabase(config, log, {
    max: 10 + 2 * projected.length,
    applicationName: role === 'all' ? 'im-hub' : `im-hub ${role}`,
  });
  const nats = await openLog(config, log).catch(async (e) => {
    await db.close();
    throw e;
  });
  const { partitions } = nats;
  const partitioned = partitions.count > 1;
  // One projector per partition, each with its own checkpoint and lock: processes share the
  // partitions between them, whoever takes a lock first.
  const mine = new Set(projected);
  const projectors = new Map(
    partitions.list
      .filter((p) => mine.has(p.index))
      .map((p) => [
        p.index,
        createProjector(
          { sql: db.sql, js: nats.js, stream: p.stream, subjects: p.subjects, log },
          {
            name: p.projector,
            batchSize: config.PROJECTOR_BATCH_SIZE,
            chainCheckpointEvery: config.AUDIT_CHECKPOINT_EVERY,
            progressIntervalMs: config.PROJECTOR_PROGRESS_MS,
            partition: partitioned ? { owns: (a) => partitions.of(a).index === p.index } : undefined,
          },
        ),
      ]),
  );
  const sync =
    role === 'projector'
      ? null
      : await createSync(
          { db: db.db, sql: db.sql, js: nats.js, jsm: nats.jsm, partitions, log },
          { heartbeatMs: config.LIVE_HEARTBEAT_MS, maxBufferBytes: config.LIVE_BUFFER_BYTES },
        );
  const metrics = createMetrics({
    state,
    live: sync ? () => sync.live.stats() : undefined,
    processMetrics: true,
  });
  for (const projector of projectors.values()) {
    projector.events.on('committed', metrics.batchCommitted);
    projector.start();
  }

  async function storedAt(stream: string, seq: number): Promise<number | null> {
    const m = await nats.jsm.streams.getMessage(stream, { seq });
    return m ? m.time.getTime() : null;
  }

  /** Each partition's checkpoint (from Postgres) and stream end; `ok` says who answered. */
  async function positions() {
    const [natsCheck, pgCheck, ...infos] = await Promise.allSettled([
      withTimeout(nats.nc.flush(), 2000, 'NATS'),
      withTimeout(
        db.sql<{ projector: string; last_seq: number }[]>`
          select projector, last_seq from projector_checkpoints
          where projector = any(${partitions.list.map((p) => p.projector)}::text[])`,
        2000,
        'Postgres',
      ),
      ...partitions.list.map((p) => withTimeout(nats.jsm.streams.info(p.stream), 2000, 'JetStream')),
    ]);
    const error = (r: PromiseSettledResult<unknown>) =>
      r.status === 'rejected' ? (r.reason as Error).message : undefined;
    const committed = new Map(
      pgCheck.status === 'fulfilled' ? pgCheck.value.map((r) => [r.projector, r.last_seq]) : [],
    );
    const list: PartitionPosition[] = partitions.list.map((p, i) => {
      const own = projectors.get(p.index)?.status();
      const info = infos[i]!;
      const checkpoint = committed.get(p.projector) ?? own?.checkpoint ?? 0;
      const last = info.status === 'fulfilled' ? info.value.state.last_seq : null;
      return {
        partition: p.index,
        stream: p.stream,
        state: own?.state ?? 'remote',
        checkpoint,
        stream_last_seq: last,
        lag_events: last === null ? null : Math.max(0, last - checkpoint),
        last_error: own?.lastError ?? null,
      };
    });
    const streamError = infos.map(error).find((e) => e !== undefined);
    return {
      list,
      nats: {
        ok: natsCheck.status === 'fulfilled' && streamError === undefined,
        error: error(natsCheck) ?? streamError,
      },
      postgres: { ok: pgCheck.status === 'fulfilled', error: error(pgCheck) },
    };
  }

  const sum = (xs: (number | null)[]) => (xs.includes(null) ? null : xs.reduce<number>((a, b) => a + b!, 0));

  async function readiness(): Promise<Readiness> {
    const { list, nats: natsOk, postgres } = await positions();
    const state = combinedState(list.map((p) => p.state));
    const projecting = list.every((p) => ['projecting', 'standby', 'remote'].includes(p.state));
    return {
      ready: natsOk.ok && postgres.ok && projecting,
      nats: natsOk,
      postgres,
      projector: {
        state,
        checkpoint: list.reduce((a, p) => a + p.checkpoint, 0),
        stream_last_seq: sum(list.map((p) => p.stream_last_seq)),
        lag_events: sum(list.map((p) => p.lag_events)),
        last_error: list.find((p) => p.last_error !== null)?.last_error ?? null,
      },
      ...(partitioned ? { partitions: list } : {}),
    };
  }

  /** For /metrics: readiness, and how long the oldest event not yet projected has waited. */
  async function state(): Promise<ServiceState> {
    const r = await readiness();
    const { checkpoint, stream_last_seq, lag_events } = r.projector;
    let lagSeconds: number | null = lag_events === 0 ? 0 : null;
    if (lag_events !== null && lag_events > 0) {
      const behind = (r.partitions ?? [{ ...r.projector, stream: partitions.list[0]!.stream }]).filter(
        (p) => (p.lag_events ?? 0) > 0,
      );
      const stored = await Promise.all(
        behind.map((p) =>
          withTimeout(storedAt(p.stream, p.checkpoint + 1), 2000, 'JetStream').catch(() => null),
        ),
      );
      const oldest = Math.min(...stored.map((t) => t ?? Number.POSITIVE_INFINITY));
      if (Number.isFinite(oldest)) lagSeconds = Math.max(0, (Date.now() - oldest) / 1000);
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

  const waiters = partitions.list.map((p) =>
    createProjectionWaiter({ sql: db.sql, projector: projectors.get(p.index) ?? { name: p.projector } }),
  );
  const waitFor: WaitForSeq = (seq, timeoutMs, accountId) =>
    waiters[accountId === undefined ? 0 : partitions.of(accountId).index]!(seq, timeoutMs);
  const publisher = createPublisher({ js: nats.js, partitions, observe: metrics.published });
  const actions = createActions({ publisher, waitFor });
  // Replies of every account expire from one place: the process that projects partition 0
  // (two sweeps at once would store each expiry once anyway).
  const sweeper =
    role === 'api'
      ? null
      : createReplySweeper(
          { db: db.db, publisher, log, isActive: () => projectors.get(0)?.status().state === 'projecting' },
          { intervalMs: config.REPLY_SWEEP_MS },
        );
  async function projectorPosition(): Promise<ProjectorPosition> {
    const { list } = await positions();
    const lag = new Map(list.map((p) => [p.partition, p.lag_events]));
    return {
      checkpoint: list.reduce((a, p) => a + p.checkpoint, 0),
      stream_last_seq: sum(list.map((p) => p.stream_last_seq)),
      lagOf: partitioned ? (accountId) => lag.get(partitions.of(accountId).index) ?? null : undefined,
    };
  }
  const audits = partitions.list.map((p) =>
    createAuditLog({
      sql: db.sql,
      js: nats.js,
      jsm: nats.jsm,
      stream: p.stream,
      subjects: p.subjects,
      checkpointEvery: config.AUDIT_CHECKPOINT_EVERY,
    }),
  );
  // A projector-role process serves /health, /ready and /metrics only: it has no keys to check.
  const keys =
    role === 'projector'
      ? null
      : createKeyStore({ db: db.db, sql: db.sql, log }, { ttlMs: config.API_KEY_CACHE_MS });
  const app =
    keys === null
      ? createOperationsApp({ log, readiness, metrics })
      : createApp({
          db: db.db,
          log,
          keys,
          rateLimit: { rps: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST },
          maxBodyBytes: config.MAX_BODY_BYTES,
          readiness,
          actions,
          waitFor,
          partitioned,
          sync: sync ?? undefined,
          audit: createPartitionedAudit(audits, partitions, db.sql),
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
    await sync?.close();
    await keys?.close();
    await Promise.all([...projectors.values()].map((p) => p.stop()));
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
  sweeper?.start();
  log.info(
    {
      url: `http://${config.HOST}:${port}`,
      role,
      streams: partitions.list.map((p) => p.stream),
    },
    role === 'projector' ? 'im-hub projecting; /health, /ready and /metrics listening' : 'im-hub listening',
  );

  let stopping: Promise<void> | null = null;
  return {
    port,
    stop() {
      stopping ??= (async () => {
        log.info('shutting down: closing HTTP, draining the projector');
        await sync?.close(); // live streams end first: the HTTP server waits for open responses
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        });
        await sweeper?.stop();
        await keys?.close();
        await Promise.all([...projectors.values()].map((p) => p.stop()));
        await nats.nc.drain().catch(() => {});
        await db.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
