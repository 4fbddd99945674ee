import { OpenAPIHono } from '@hono/zod-openapi';
import type { Drizzle } from '../db/client.js';
import type { Logger } from '../logger.js';
import { createErrorHandler, errorBody, validationHook } from './errors.js';
import { registerAdminRoutes } from './routes/admin.routes.js';
import { registerConversationRoutes } from './routes/conversations.routes.js';
import { type Readiness, registerHealthRoutes } from './routes/health.routes.js';
import { registerMessageRoutes } from './routes/messages.routes.js';
import { registerSearchRoutes } from './routes/search.routes.js';

export interface AppDeps {
  db: Drizzle;
  log: Logger;
  readiness: () => Promise<Readiness>;
}

/** The HTTP API. Builds no connections: everything it needs is passed in. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.onError(createErrorHandler(deps.log));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  registerHealthRoutes(app, deps.readiness);
  registerAdminRoutes(app, deps.db);
  registerSearchRoutes(app, deps.db);
  registerConversationRoutes(app, deps.db);
  registerMessageRoutes(app, deps.db);
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'im-hub', version: '0.1.0' } });
  return app;
}
export type App = ReturnType<typeof createApp>;
