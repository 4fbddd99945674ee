/**
 * A typed client of the hub's HTTP API for TypeScript callers (CRM clients, scripts, tests):
 * paths, parameters, bodies and responses are checked against the API's OpenAPI document, from
 * which `api-types.ts` is generated. It runs wherever `fetch` does (Node 18+, browsers).
 *
 * @example
 * import { createHubClient } from 'im-hub/client';
 *
 * const hub = createHubClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.IMHUB_KEY! });
 * const { data, error } = await hub.GET('/api/v1/conversations', {
 *   params: { query: { account_id: 'dy_10001', sort_by: 'unread_count', limit: 20 } },
 * });
 * if (error) throw new Error(error.error.message); // { error: { code, message, field? } }
 * for (const c of data.conversations) console.log(c.friend_name, c.unread_count);
 */
import createClient, { type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './api-types.js';

export type { components, operations, paths };

type Schemas = components['schemas'];
export type Account = Schemas['Account'];
export type Conversation = Schemas['Conversation'];
export type Message = Schemas['Message'];
export type MessageHistory = Schemas['MessageHistory'];
export type SearchHit = Schemas['SearchHit'];
export type SyncPage = Schemas['SyncPage'];
export type User = Schemas['User'];
export type Reply = Schemas['Reply'];
/** The body of every error response. */
export type ApiErrorBody = Schemas['Error'];

export interface HubClientOptions extends ClientOptions {
  /** Where the hub listens, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** The API key (`im-hub keys create`), sent as `Authorization: Bearer …` on every request. */
  apiKey?: string;
}

/**
 * Each method (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`) takes a path of the API and resolves
 * to `{ data, error, response }`: `data` typed by the 2xx response, `error` by the others.
 */
export function createHubClient({ apiKey, ...options }: HubClientOptions) {
  const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
  if (apiKey !== undefined) headers.set('authorization', `Bearer ${apiKey}`);
  return createClient<paths>({ ...options, headers });
}
export type HubClient = ReturnType<typeof createHubClient>;
