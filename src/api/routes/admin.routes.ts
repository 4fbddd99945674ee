import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Drizzle } from '../../db/client.js';
import { listAccounts, listRejected } from '../../queries/admin.queries.js';
import { errorResponses, jsonContent, Limit } from '../schemas.js';

const AccountSchema = z
  .object({
    account_id: z.string(),
    message_count: z.number().int(),
    conversation_count: z.number().int(),
    last_captured_at: z.number().int(),
    first_seq: z.number().int(),
    last_seq: z.number().int(),
  })
  .openapi('Account');

const RejectedEventSchema = z
  .object({
    stream: z.string(),
    seq: z.number().int(),
    subject: z.string(),
    reason: z.string(),
    raw: z.string(),
    stored_at: z.number().int(),
  })
  .openapi('RejectedEvent');

const accountsRoute = createRoute({
  method: 'get',
  path: '/api/v1/accounts',
  tags: ['accounts'],
  summary: 'Monitored accounts seen on the log',
  responses: { 200: jsonContent(z.object({ accounts: z.array(AccountSchema) }), 'All accounts') },
});

const rejectedRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/rejected-events',
  tags: ['admin'],
  summary: 'Events on the log that failed validation, in sequence order',
  request: {
    query: z.object({
      after_seq: z.coerce.number().int().min(0).default(0),
      limit: Limit(100, 1000),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ rejected_events: z.array(RejectedEventSchema), has_more: z.boolean() }),
      'A page of rejected events',
    ),
    400: errorResponses[400],
  },
});

export function registerAdminRoutes(app: OpenAPIHono, db: Drizzle) {
  app.openapi(accountsRoute, async (c) => c.json({ accounts: await listAccounts(db) }, 200));
  app.openapi(rejectedRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json(await listRejected(db, q.after_seq, q.limit), 200);
  });
}
