import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RequestIdVariables } from 'hono/request-id';
import type { Principal } from '../auth/api-keys.js';
import type { Logger } from '../logger.js';

/**
 * What every request carries through the app: its id, a logger that puts the id on every line,
 * and under `/api/v1` the API key that made it.
 */
export interface AppEnv {
  Variables: RequestIdVariables & { log: Logger; principal?: Principal };
}

/** The app every routes file registers on. */
export type ApiApp = OpenAPIHono<AppEnv>;
