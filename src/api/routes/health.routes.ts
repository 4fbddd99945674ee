import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp } from '../env.js';
import { jsonContent } from '../schemas.js';

export const ReadinessSchema = z
  .object({
    ready: z.boolean(),
    nats: z.object({ ok: z.boolean(), error: z.string().optional() }),
    postgres: z.object({ ok: z.boolean(), error: z.string().optional() }),
    projector: z
      .object({
        state: z.string(),
        checkpoint: z.number().int(),
        stream_last_seq: z.number().int().nullable(),
        lag_events: z.number().int().nullable(),
        last_error: z.string().nullable(),
      })
      .describe(
        'with several partitions: the state that needs attention first, and totals over the partitions',
      ),
    partitions: z
      .array(
        z.object({
          partition: z.number().int(),
          stream: z.string(),
          state: z.string().describe('`remote`: projected by another process'),
          checkpoint: z.number().int(),
          stream_last_seq: z.number().int().nullable(),
          lag_events: z.number().int().nullable(),
          last_error: z.string().nullable(),
        }),
      )
      .optional()
      .describe('with PARTITIONS > 1: each partition'),
  })
  .openapi('Readiness');
export type Readiness = z.infer<typeof ReadinessSchema>;

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: jsonContent(z.object({ status: z.literal('ok') }), 'Alive') },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['operations'],
  summary: 'Readiness: NATS and Postgres reachable, projector running, its lag',
  responses: {
    200: jsonContent(ReadinessSchema, 'Ready'),
    503: jsonContent(ReadinessSchema, 'Not ready: the body says which part'),
  },
});

export function registerHealthRoutes(app: ApiApp, readiness: () => Promise<Readiness>) {
  app.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(ready, async (c) => {
    const report = await readiness();
    return c.json(report, report.ready ? 200 : 503);
  });
}
