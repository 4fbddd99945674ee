import { readFileSync } from 'node:fs';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { rolesWith } from '../auth/api-keys.js';
import { accessOf, QUERY_TOKEN_ROUTES } from './access.js';
import { ACCESS_TOKEN_PARAM } from './auth.js';

export type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
type Operation = NonNullable<NonNullable<OpenApiDocument['paths']>[string]['get']>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const TAGS = [
  { name: 'accounts', description: 'Monitored accounts: registered, changed and removed as events' },
  { name: 'conversations', description: 'The conversation list, and pinning, archiving, muting and tags' },
  { name: 'messages', description: 'Messages in their current state, their edit history, edits and recalls' },
  { name: 'read state', description: 'Marking read, and unread totals' },
  { name: 'search', description: 'Full-text search (Chinese as substrings, Latin words by prefix)' },
  { name: 'sync', description: 'Incremental sync by stream sequence, device cursors, the live stream (SSE)' },
  { name: 'users', description: 'Platform users as the workers saw them; blocking' },
  { name: 'replies', description: 'Replies operators ask for, executed by the workers through the log' },
  {
    name: 'audit',
    description: 'The raw history of the log as stored, message timelines and the hash chain',
  },
  { name: 'admin', description: 'Rejected events and live-stream counters' },
  { name: 'operations', description: 'Health, readiness, metrics and this documentation' },
];

const DESCRIPTION = `The HTTP API of im-hub, the event-sourced message hub. Reads come from the read models;
actions append events to the log and answer once they are projected (200/201), or with the
sequence to wait for (202).

- Every \`/api/v1\` route needs an API key: \`Authorization: Bearer imhub_…\` (made with
  \`im-hub keys create\`). Missing, unknown or revoked: 401. Each route names the roles it needs
  (\`reader\` reads, \`operator\` also acts, \`auditor\` also reads the raw history and recalled
  content, \`admin\` everything); a key of another role, or limited to other accounts, gets 403.
  Lists without an \`account_id\` show only the key's accounts.
- Each key may make \`RATE_LIMIT_RPS\` requests a second (bursts of \`RATE_LIMIT_BURST\`) per
  service process, else 429 with \`Retry-After\`; a body over \`MAX_BODY_BYTES\` is a 413.

- All times are epoch milliseconds.
- Errors are \`{ "error": { "code", "message", "field"?, "issues"? } }\`: 400 names the field, 404
  unknown ids and routes, 409 when the target's state refuses the action, 500 with the request id
  to look for in the service's log.
- Any GET under \`/api/v1\` takes \`min_seq\`: the answer waits (up to 5 s) until the read models
  include that sequence (read your own writes), else 503 \`not_projected_yet\` with \`Retry-After\`.
- Every response carries \`X-Request-Id\` (the caller's, when it sent a sane one): every log line of
  the request has it.`;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

/**
 * What the app does for every route, outside the routes' own declarations (the request id,
 * `min_seq`, an internal error), written into each operation so that the document, and so the
 * generated client, is complete.
 */
function addCommonContract(doc: OpenApiDocument): void {
  doc.components ??= {};
  doc.components.parameters = {
    ...doc.components.parameters,
    RequestId: {
      name: 'x-request-id',
      in: 'header',
      required: false,
      description:
        'Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed.',
      schema: { type: 'string', maxLength: 128, pattern: '^[\\w\\-=]+$' },
    },
    MinSeq: {
      name: 'min_seq',
      in: 'query',
      required: false,
      description:
        'Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503',
      schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    },
  };
  doc.components.headers = {
    ...doc.components.headers,
    RequestId: { description: 'The id of this request in the service log', schema: { type: 'string' } },
    RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
  };
  doc.components.securitySchemes = {
    ...doc.components.securitySchemes,
    bearer: {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key from `im-hub keys create`: `imhub_<key id>_<secret>`',
    },
    accessToken: {
      type: 'apiKey',
      in: 'query',
      name: ACCESS_TOKEN_PARAM,
      description: 'The same key in the query, for EventSource (the live stream only); never logged',
    },
  };
  const error = (description: string) => ({
    description,
    headers: { 'X-Request-Id': ref('headers', 'RequestId') },
    content: { 'application/json': { schema: ref('schemas', 'Error') } },
  });
  doc.components.responses = {
    ...doc.components.responses,
    InvalidRequest: error('Invalid input: the body names the field'),
    NotProjectedYet: error(
      'not_projected_yet: the read models have not reached min_seq within the wait (retry after Retry-After seconds); unavailable: this process cannot wait',
    ),
    InternalError: error('internal: the service logged the details under this request id'),
    Unauthorized: {
      ...error('unauthorized: no API key, or an unknown or revoked one'),
      headers: {
        'X-Request-Id': ref('headers', 'RequestId'),
        'WWW-Authenticate': { description: 'Bearer', schema: { type: 'string' } },
      },
    },
    Forbidden: error(
      "forbidden: the key's role may not call this route, or the account is outside its scope",
    ),
    RateLimited: {
      ...error('rate_limited: too many requests with this key; retry after Retry-After seconds'),
      headers: { 'X-Request-Id': ref('headers', 'RequestId'), 'Retry-After': ref('headers', 'RetryAfter') },
    },
    PayloadTooLarge: error("payload_too_large: the body is over the service's MAX_BODY_BYTES"),
  };

  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op: Operation | undefined = item[method];
      if (!op) continue;
      op.parameters = [...(op.parameters ?? []), ref('parameters', 'RequestId')];
      op.responses ??= {};
      const responses = op.responses;
      if (method === 'get' && path.startsWith('/api/v1/')) {
        op.parameters.push(ref('parameters', 'MinSeq'));
        responses['400'] ??= ref('responses', 'InvalidRequest');
        responses['503'] ??= ref('responses', 'NotProjectedYet');
      }
      if (path.startsWith('/api/v1/')) {
        const key = `${method.toUpperCase()} ${path}`;
        const access = accessOf(key);
        const roles = rolesWith(access.permission);
        op.security = QUERY_TOKEN_ROUTES.has(key) ? [{ bearer: [] }, { accessToken: [] }] : [{ bearer: [] }];
        op.description = [
          `**Roles:** ${roles.join(', ')}${access.allAccounts ? ' (with a key for all accounts)' : ''}.`,
          op.description,
        ]
          .filter(Boolean)
          .join('\n\n');
        (op as Record<string, unknown>)['x-roles'] = roles;
        responses['401'] ??= ref('responses', 'Unauthorized');
        responses['403'] ??= ref('responses', 'Forbidden');
        responses['429'] ??= ref('responses', 'RateLimited');
        if (op.requestBody) responses['413'] ??= ref('responses', 'PayloadTooLarge');
      }
      responses['500'] ??= ref('responses', 'InternalError');
      for (const response of Object.values(responses)) {
        if (response && typeof response === 'object' && !('$ref' in response)) {
          response.headers = { 'X-Request-Id': ref('headers', 'RequestId'), ...response.headers };
        }
      }
    }
  }
}

/** The OpenAPI 3.1 document of an app, from the zod schemas its routes validate with. */
export function openApiDocument<E extends Env>(app: OpenAPIHono<E>): OpenApiDocument {
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'im-hub', version: packageVersion(), description: DESCRIPTION },
    tags: TAGS,
  });
  addCommonContract(doc);
  return doc;
}
