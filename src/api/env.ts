import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RequestIdVariables } from 'hono/request-id';
import type { Logger } from '../logger.js';

/** What every request carries through the app: its id, and a logger that puts the id on every line. */
export interface AppEnv {
  Variables: RequestIdVariables & { log: Logger };
}

/** The app every routes file registers on. */
export type ApiApp = OpenAPIHono<AppEnv>;
