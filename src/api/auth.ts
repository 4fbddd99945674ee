import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import { formatScope, inScope, may, type Principal, rolesWith } from '../auth/api-keys.js';
import type { KeyStore } from '../auth/key-store.js';
import type { Drizzle } from '../db/client.js';
import { conversationAccount } from '../queries/conversations.queries.js';
import { accessOf, QUERY_TOKEN_ROUTES, routeKey } from './access.js';
import type { AppEnv } from './env.js';
import { ApiError, errorBody } from './errors.js';
import type { RateLimiter } from './rate-limit.js';

export interface AuthDeps {
  keys: KeyStore;
  /** Requests per key; without it there is no limit. */
  rateLimiter?: RateLimiter;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
}

/** The query parameter that may carry the key on the live stream (`EventSource` sends no headers). */
export const ACCESS_TOKEN_PARAM = 'access_token';

/**
 * The route that will answer: the first one matched that is not a middleware (`ALL`). Routes
 * answer in the order they were registered, and every route answers (or fails validation).
 */
function answeringRoute(c: Context): string | null {
  for (const r of matchedRoutes(c)) if (r.method !== 'ALL') return routeKey(r.method, r.path);
  return null;
}

const unauthorized = (c: Context, message: string, invalid: boolean) => {
  c.header(
    'WWW-Authenticate',
    invalid ? 'Bearer realm="im-hub", error="invalid_token"' : 'Bearer realm="im-hub"',
  );
  return new ApiError(401, 'unauthorized', message);
};

export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);

function tokenOf(c: Context, route: string | null): string | null {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) throw unauthorized(c, 'the Authorization header must be "Bearer <API key>"', true);
    return m[1]!;
  }
  if (route !== null && QUERY_TOKEN_ROUTES.has(route)) return c.req.query(ACCESS_TOKEN_PARAM) ?? null;
  return null;
}

/**
 * For every `/api/v1` route: the API key (401 when missing, unknown or revoked), the rate
 * limit of the key (429), the role and scope the route needs (403), and the body limit (413).
 * The key's principal is `c.var.principal` for the handlers.
 */
export function requireApiKey(deps: AuthDeps): MiddlewareHandler<AppEnv>[] {
  const limit = bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: (c) =>
      c.json(
        errorBody(
          'payload_too_large',
          `the request body is larger than ${deps.maxBodyBytes} bytes (the service's MAX_BODY_BYTES); send less per request`,
        ),
        413,
      ),
  });
  const check: MiddlewareHandler<AppEnv> = async (c, next) => {
    const route = answeringRoute(c);
    const token = tokenOf(c, route);
    if (token === null)
      throw unauthorized(c, 'this route needs an API key: send "Authorization: Bearer <API key>"', false);
    const principal = await deps.keys.authenticate(token);
    if (!principal)
      throw unauthorized(
        c,
        'the API key is unknown or revoked; ask an admin for a key (im-hub keys create)',
        true,
      );
    c.set('principal', principal);
    const wait = deps.rateLimiter?.take(principal.keyId) ?? 0;
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      throw new ApiError(429, 'rate_limited', `too many requests with this key; retry after ${wait} s`);
    }
    if (route === null) return next(); // a 404 follows
    const access = accessOf(route);
    if (!may(principal, access.permission)) {
      throw forbidden(
        `the ${principal.role} key ${JSON.stringify(principal.name)} may not call ${route}: it needs the role ${rolesWith(access.permission).join(' or ')}`,
      );
    }
    if (access.allAccounts && principal.accounts !== null) {
      throw forbidden(
        `${route} shows every account: a key limited to ${formatScope(principal.accounts)} may not call it`,
      );
    }
    // every value a parameter is given, not only the first: no second value can slip by
    const values = (name: string) => c.req.queries(name) ?? [];
    if (values('include_recalled').some((v) => v === 'true' || v === '1') && !may(principal, 'audit')) {
      throw forbidden(
        `recalled content is for the roles ${rolesWith('audit').join(' and ')}; leave out include_recalled`,
      );
    }
    for (const accountId of values('account_id')) requireAccount(c, accountId);
    return next();
  };
  return [check, limit];
}

/** The key of the request (set by `requireApiKey`). */
export function principalOf(c: Context<AppEnv>): Principal {
  const p = c.get('principal');
  if (!p) throw new Error('no principal: the route is outside requireApiKey');
  return p;
}

/** Refuses (403) an account outside the key's scope. */
export function requireAccount(c: Context<AppEnv>, accountId: string): void {
  const p = principalOf(c);
  if (!inScope(p, accountId)) {
    throw forbidden(
      `the key ${JSON.stringify(p.name)} is limited to the accounts ${formatScope(p.accounts)}: ${JSON.stringify(accountId)} is not one of them`,
    );
  }
}

/** For lists with no `account_id`: the accounts to show, or null for all. */
export const scopeOf = (c: Context<AppEnv>) => principalOf(c).accounts;

/**
 * Refuses (403) a conversation of an account outside the key's scope; an unknown one passes
 * (the route answers as it would: an empty page or a 404).
 */
export async function requireConversationAccount(c: Context<AppEnv>, db: Drizzle, conversationId: string) {
  if (scopeOf(c) === null) return;
  const accountId = await conversationAccount(db, conversationId);
  if (accountId !== null) requireAccount(c, accountId);
}
