import type { Context, MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { AppEnv } from './env.js';

/** Probes that would drown the log at info: an orchestrator and Prometheus call them every few seconds. */
const PROBES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

/**
 * The route pattern that answered (`/api/v1/messages/:id`), never the raw path, so that metric
 * labels stay few; `unmatched` for a 404 no route answered.
 */
export function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!;
    if (r.method !== 'ALL') return r.path;
  }
  return 'unmatched';
}

/**
 * First in the chain: gives the request an id (the caller's `X-Request-Id` when it is a sane
 * token, else a new UUID), returns it in `X-Request-Id`, puts a child logger carrying it in
 * `c.var.log`, and on the way out logs one line and observes the duration.
 * Nothing of the request's body, query or headers is logged: they can hold message contents
 * and API keys (the live stream takes one in its query, `access_token`).
 */
export function observeRequests(log: Logger, metrics?: Metrics): MiddlewareHandler<AppEnv>[] {
  return [
    requestId({ limitLength: 128 }),
    async (c, next) => {
      const started = performance.now();
      const reqLog = log.child({ request_id: c.var.requestId });
      c.set('log', reqLog);
      await next();
      const route = routeOf(c);
      const status = c.res.status;
      const ms = performance.now() - started;
      metrics?.request(c.req.method, route, status, ms / 1000);
      const level = PROBES.has(route) ? 'debug' : status >= 500 ? 'warn' : 'info';
      if (reqLog.isLevelEnabled(level)) {
        reqLog[level](
          { method: c.req.method, route, path: c.req.path, status, duration_ms: Math.round(ms * 10) / 10 },
          'request',
        );
      }
    },
  ];
}
