import { createRoute, z } from '@hono/zod-openapi';
import type { Drizzle } from '../../db/client.js';
import { listRejected } from '../../queries/admin.queries.js';
import type { ApiApp } from '../env.js';
import { errorResponses, jsonContent, Limit } from '../schemas.js';

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

export function registerAdminRoutes(app: ApiApp, db: Drizzle) {
  app.openapi(rejectedRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json(await listRejected(db, q.after_seq, q.limit), 200);
  });
}
