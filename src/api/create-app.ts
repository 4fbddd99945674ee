import { OpenAPIHono } from '@hono/zod-openapi';
import { type AuditLog, type AuditLogs, singleAudit } from '../audit/audit-log.js';
import type { KeyStore } from '../auth/key-store.js';
import type { Actions } from '../commands/actions.js';
import type { Drizzle } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { WaitForSeq } from '../projections/wait.js';
import type { Sync } from '../sync/index.js';
import { requireApiKey } from './auth.js';
import type { AppEnv } from './env.js';
import { ApiError, badRequest, createErrorHandler, errorBody, validationHook } from './errors.js';
import { observeRequests } from './observe.js';
import { createRateLimiter } from './rate-limit.js';
import { type ProjectorPosition, registerAccountRoutes } from './routes/accounts.routes.js';
import { registerActionRoutes } from './routes/actions.routes.js';
import { registerAdminRoutes } from './routes/admin.routes.js';
import { registerAuditRoutes } from './routes/audit.routes.js';
import { registerConversationRoutes } from './routes/conversations.routes.js';
import { registerDocsRoutes } from './routes/docs.routes.js';
import { type Readiness, registerHealthRoutes } from './routes/health.routes.js';
import { registerMessageActionRoutes } from './routes/message-actions.routes.js';
import { registerMessageRoutes } from './routes/messages.routes.js';
import { registerMetricsRoutes } from './routes/metrics.routes.js';
import { registerReadRoutes } from './routes/read.routes.js';
import { registerReplyRoutes } from './routes/replies.routes.js';
import { registerSearchRoutes } from './routes/search.routes.js';
import { registerSyncRoutes } from './routes/sync.routes.js';
import { registerUserRoutes } from './routes/users.routes.js';

export interface AppDeps {
  db: Drizzle;
  log: Logger;
  /** The API keys every `/api/v1` route requires. */
  keys: KeyStore;
  /** Requests a second per key (token bucket, in this process) and the burst; absent or rps 0: no limit. */
  rateLimit?: { rps: number; burst: number };
  /** Largest request body, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  readiness: () => Promise<Readiness>;
  /** Client actions; without them the API serves reads only. */
  actions?: Actions;
  /** Sync pages, device cursors and the live stream; without them those routes are absent. */
  sync?: Sync;
  /** The raw history and the hash chain (of each partition); without it the audit routes are absent. */
  audit?: AuditLog | AuditLogs;
  /** For `min_seq`: wait until the read models include a sequence. */
  waitFor?: WaitForSeq;
  /**
   * The log has several partitions: a sequence means something only with its account, so
   * `min_seq` needs `account_id`.
   */
  partitioned?: boolean;
  /** How long a GET with `min_seq` may wait. */
  minSeqTimeoutMs?: number;
  /** The projector's checkpoint and the stream's end, for the accounts' lag; without it the lag is null. */
  projectorPosition?: () => Promise<ProjectorPosition>;
  /** How long a requested reply may stay pending before the hub expires it. */
  replyTimeoutMs?: number;
  /** The wall clock of queries that depend on "now" ("today"); projections never read it. */
  clock?: () => number;
  /** HTTP durations are observed into it, and `/metrics` serves it; without it there is no `/metrics`. */
  metrics?: Metrics;
}

/**
 * `/health`, `/ready` and `/metrics` only, with the API's logs and errors: the whole HTTP
 * surface of a process in the `projector` role, and the start of every app.
 */
export function createOperationsApp(deps: Pick<AppDeps, 'log' | 'readiness' | 'metrics'>) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(...observeRequests(deps.log, deps.metrics));
  app.onError(createErrorHandler(deps.log));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  registerHealthRoutes(app, deps.readiness);
  if (deps.metrics) registerMetricsRoutes(app, deps.metrics);
  return app;
}

/** The HTTP API. Builds no connections: everything it needs is passed in. */
export function createApp(deps: AppDeps) {
  const app = createOperationsApp(deps);
  registerDocsRoutes(app);
  // everything under /api/v1 needs a key, first of all: nothing is read or waited for before
  app.use(
    '/api/v1/*',
    ...requireApiKey({
      keys: deps.keys,
      rateLimiter: deps.rateLimit && deps.rateLimit.rps > 0 ? createRateLimiter(deps.rateLimit) : undefined,
      maxBodyBytes: deps.maxBodyBytes ?? 1024 * 1024,
    }),
  );
  // Read your own writes: any GET may name the sequence its answer must include.
  app.use('/api/v1/*', async (c, next) => {
    const raw = c.req.query('min_seq');
    if (c.req.method !== 'GET' || raw === undefined) return next();
    const seq = Number(raw);
    if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(seq))
      throw badRequest('min_seq', 'must be a stream sequence (a whole number ≥ 0)');
    if (!deps.waitFor) throw new ApiError(503, 'unavailable', 'this process cannot wait for the projector');
    const accountId = c.req.query('account_id');
    if (deps.partitioned && accountId === undefined)
      throw badRequest(
        'account_id',
        'the log has several partitions: with min_seq, give the account_id of the action that returned that seq',
      );
    if (!(await deps.waitFor(seq, deps.minSeqTimeoutMs ?? 5000, accountId))) {
      c.header('Retry-After', '1');
      throw new ApiError(
        503,
        'not_projected_yet',
        `the read models have not reached sequence ${seq} yet; retry shortly`,
      );
    }
    return next();
  });
  registerAdminRoutes(app, deps.db);
  registerAccountRoutes(app, {
    db: deps.db,
    actions: deps.actions,
    clock: deps.clock ?? Date.now,
    projectorPosition: deps.projectorPosition,
  });
  registerReplyRoutes(app, { db: deps.db, actions: deps.actions, replyTimeoutMs: deps.replyTimeoutMs });
  registerSearchRoutes(app, deps.db);
  registerReadRoutes(app, deps.db, deps.actions);
  if (deps.sync) registerSyncRoutes(app, deps.sync);
  if (deps.audit) registerAuditRoutes(app, 'at' in deps.audit ? deps.audit : singleAudit(deps.audit));
  if (deps.actions) {
    registerActionRoutes(app, deps.db, deps.actions);
    registerMessageActionRoutes(app, deps.db, deps.actions);
  }
  registerConversationRoutes(app, deps.db);
  registerUserRoutes(app, deps.db);
  registerMessageRoutes(app, deps.db);
  return app;
}
export type App = ReturnType<typeof createApp>;
