import { createRoute, z } from '@hono/zod-openapi';
import type { Metrics } from '../../metrics.js';
import type { ApiApp } from '../env.js';

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics: events published, projected and rejected, projector lag, HTTP, live stream',
  description:
    'Text exposition format. Each scrape probes NATS, Postgres and the projector checkpoint once (as /ready does). See the README for the list.',
  responses: {
    200: {
      content: { 'text/plain': { schema: z.string() } },
      description: 'Every metric, in the Prometheus text format (version 0.0.4)',
    },
  },
});

export function registerMetricsRoutes(app: ApiApp, metrics: Metrics) {
  app.openapi(metricsRoute, async (c) => {
    const text = await metrics.scrape();
    return c.body(text, 200, { 'content-type': metrics.contentType }) as never;
  });
}
