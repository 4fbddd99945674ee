import type { Permission } from '../auth/api-keys.js';

/**
 * What a route needs of the key that calls it, beyond being a valid key.
 * - `permission`: what its role must be allowed (see `ROLE_PERMISSIONS`).
 * - `allAccounts`: the route shows data of every account at once, so a key limited to some
 *   accounts is refused.
 * Every route that names an account (path, query or body) also refuses an account outside the
 * key's scope, and lists without an `account_id` show only the key's accounts.
 */
export interface RouteAccess {
  permission: Permission;
  allAccounts?: boolean;
}

const read: RouteAccess = { permission: 'read' };
const act: RouteAccess = { permission: 'act' };
const audit: RouteAccess = { permission: 'audit' };
const admin: RouteAccess = { permission: 'admin' };

/**
 * Every `/api/v1` route, as `METHOD /path/{param}` (the OpenAPI form). A route missing here is
 * refused to all but admin keys (and a test fails), so a new route cannot be left open.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /api/v1/accounts': read,
  'GET /api/v1/accounts/status/all': read,
  'GET /api/v1/accounts/{id}': read,
  'POST /api/v1/accounts': admin,
  'PATCH /api/v1/accounts/{id}': admin,
  'DELETE /api/v1/accounts/{id}': admin,

  'GET /api/v1/conversations': read,
  'GET /api/v1/conversations/{id}': read,
  'GET /api/v1/conversations/search': read,
  'GET /api/v1/tags': read,
  'POST /api/v1/conversations/{id}/pin': act,
  'DELETE /api/v1/conversations/{id}/pin': act,
  'PATCH /api/v1/conversations/{id}': act,
  'POST /api/v1/conversations/{id}/tags': act,
  'DELETE /api/v1/conversations/{id}/tags/{tag}': act,

  'GET /api/v1/messages': read,
  'GET /api/v1/direct-messages': read,
  'GET /api/v1/comments': read,
  'GET /api/v1/messages/{id}': read,
  'GET /api/v1/messages/{id}/history': read,
  'GET /api/v1/messages/history/{id}': read,
  'POST /api/v1/messages/search': read,
  'PUT /api/v1/messages/{id}': act,
  'DELETE /api/v1/messages/{id}': act,

  'GET /api/v1/unread-summary': read,
  'GET /api/v1/conversations/unread/summary': read,
  'PATCH /api/v1/messages/mark-read': act,
  'POST /api/v1/messages/{id}/read': act,

  'GET /api/v1/users/{platform_user_id}': read,
  'POST /api/v1/users/batch': read,
  'GET /api/v1/blocked-users': read,
  'POST /api/v1/users/{platform_user_id}/block': act,
  'DELETE /api/v1/users/{platform_user_id}/block': act,

  'GET /api/v1/replies': read,
  'GET /api/v1/replies/{replyId}': read,
  'GET /api/v1/replies/account/{accountId}/stats': read,
  'POST /api/v1/replies': act,

  // a reader keeps a local copy: syncing and storing its device's position are reads
  'GET /api/v1/messages/sync': read,
  'POST /api/v1/messages/sync/ack': read,
  'GET /api/v1/devices': read,
  'GET /api/v1/stream': read,

  'GET /api/v1/audit/events': audit,
  'GET /api/v1/audit/messages/{id}/timeline': audit,
  // the chain hashes every account's events together
  'GET /api/v1/audit/chain': { permission: 'audit', allAccounts: true },

  // raw bodies of any account, and process-wide counters: operations
  'GET /api/v1/admin/rejected-events': { permission: 'admin', allAccounts: true },
  'GET /api/v1/admin/live-stats': { permission: 'admin', allAccounts: true },
};

/** The one route the key may also come in a query parameter: `EventSource` cannot send headers. */
export const QUERY_TOKEN_ROUTES: ReadonlySet<string> = new Set(['GET /api/v1/stream']);

/** `GET /api/v1/messages/:id` (Hono's form) as `GET /api/v1/messages/{id}`. */
export const routeKey = (method: string, honoPath: string) =>
  `${method.toUpperCase()} ${honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')}`;

/** Unlisted routes need everything: fail closed. */
export const accessOf = (key: string): RouteAccess =>
  ROUTE_ACCESS[key] ?? { permission: 'admin', allAccounts: true };
