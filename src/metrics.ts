import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { EVENT_TYPES, type HubEvent } from './events/index.js';
import type { PublishResult } from './log/publisher.js';
import type { BatchCommitted, ProjectorState } from './projections/projector.js';
import type { LiveStats } from './sync/live.js';

/** What one scrape reads of the service's state: probed once per scrape, never in the background. */
export interface ServiceState {
  natsUp: boolean;
  postgresUp: boolean;
  projector: {
    /** `remote`: this process does not project (the `api` role); another one does. */
    state: ProjectorState | 'remote';
    /** The committed checkpoint (from Postgres, so right in a standby process too). */
    checkpoint: number | null;
    streamLastSeq: number | null;
    lagEvents: number | null;
    /** How long the oldest event not yet projected has been on the log; 0 when caught up. */
    lagSeconds: number | null;
  };
}

export interface MetricsDeps {
  /** Connection and projector state, probed at each scrape. */
  state?: () => Promise<ServiceState>;
  /** The live stream's counters. */
  live?: () => LiveStats;
  /** Also export Node's process metrics (CPU, memory, event-loop delay, GC). */
  processMetrics?: boolean;
}

const PROJECTOR_STATES: readonly ServiceState['projector']['state'][] = [
  'idle',
  'standby',
  'projecting',
  'failing',
  'stopped',
  'remote',
];

/**
 * The service's Prometheus metrics, on a registry of its own (nothing global, so several
 * services or tests in one process do not mix). Counters are fed by the parts that do the work,
 * at the granularity that keeps them cheap: the projector reports once per batch with counts by
 * type, never per event.
 *
 * @example
 * const metrics = createMetrics({ state, live: () => sync.live.stats() });
 * projector.events.on('committed', metrics.batchCommitted);
 * const text = await metrics.scrape(); // Prometheus text format
 */
export function createMetrics(deps: MetricsDeps = {}) {
  const registry = new Registry();
  if (deps.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const published = new Counter({
    name: 'imhub_events_published_total',
    help: 'Events the API appended to the log (client actions), by type; outcome "duplicate" when the log already had the event_id',
    labelNames: ['type', 'outcome'] as const,
    registers,
  });
  const projected = new Counter({
    name: 'imhub_events_projected_total',
    help: 'Events applied to the read models by this process, by type',
    labelNames: ['type'] as const,
    registers,
  });
  const rejected = new Counter({
    name: 'imhub_events_rejected_total',
    help: 'Events on the log that failed validation and went to rejected_events, by type ("unknown" when unreadable)',
    labelNames: ['type'] as const,
    registers,
  });
  const batchEvents = new Histogram({
    name: 'imhub_projector_batch_events',
    help: 'Events (applied and rejected) in one projector transaction',
    buckets: [1, 10, 100, 500, 1000, 5000, 10_000, 25_000, 50_000],
    registers,
  });
  const batchSeconds = new Histogram({
    name: 'imhub_projector_batch_duration_seconds',
    help: 'Time to apply and commit one projector batch',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const checkpoint = new Gauge({
    name: 'imhub_projector_checkpoint',
    help: 'Last stream sequence committed to the read models',
    registers,
  });
  const streamLastSeq = new Gauge({
    name: 'imhub_stream_last_seq',
    help: 'Last sequence stored on the log',
    registers,
  });
  const lagEvents = new Gauge({
    name: 'imhub_projector_lag_events',
    help: 'Events on the log not yet in the read models',
    registers,
  });
  const lagSeconds = new Gauge({
    name: 'imhub_projector_lag_seconds',
    help: 'How long the oldest event not yet in the read models has been on the log (0 when caught up)',
    registers,
  });
  const projectorState = new Gauge({
    name: 'imhub_projector_state',
    help: "1 for this process's projector state (projecting, standby, failing, idle, stopped, remote), 0 for the others",
    labelNames: ['state'] as const,
    registers,
  });
  const natsUp = new Gauge({
    name: 'imhub_nats_up',
    help: '1 when NATS and the stream answered the last scrape',
    registers,
  });
  const postgresUp = new Gauge({
    name: 'imhub_postgres_up',
    help: '1 when Postgres answered the last scrape',
    registers,
  });
  const httpSeconds = new Histogram({
    name: 'imhub_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status (for the live stream: until it starts streaming)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const liveConnections = new Gauge({
    name: 'imhub_live_connections',
    help: 'Open live-stream (SSE) connections',
    registers,
  });
  const liveAccounts = new Gauge({
    name: 'imhub_live_accounts',
    help: 'Accounts with at least one open live-stream connection',
    registers,
  });
  const liveCounters = {
    connected_total: new Counter({
      name: 'imhub_live_connections_opened_total',
      help: 'Live-stream connections opened',
      registers,
    }),
    closed_total: new Counter({
      name: 'imhub_live_connections_closed_total',
      help: 'Live-stream connections ended, for any reason',
      registers,
    }),
    dropped_slow_total: new Counter({
      name: 'imhub_live_connections_dropped_slow_total',
      help: 'Live-stream connections cut off because the client stopped reading',
      registers,
    }),
    events_sent_total: new Counter({
      name: 'imhub_live_events_sent_total',
      help: 'Live-stream events written to connections',
      registers,
    }),
  } satisfies Partial<Record<keyof LiveStats, Counter>>;

  // Every known type starts at 0, so a rate() has a series from the first scrape on.
  for (const type of EVENT_TYPES) {
    projected.inc({ type }, 0);
    published.inc({ type, outcome: 'stored' }, 0);
  }
  for (const state of PROJECTOR_STATES) projectorState.set({ state }, 0);

  const setOrReset = (g: Gauge, v: number | null | undefined) => (v == null ? g.reset() : g.set(v));

  async function refresh(): Promise<void> {
    if (deps.live) {
      const s = deps.live();
      liveConnections.set(s.connections);
      liveAccounts.set(s.accounts);
      for (const [key, counter] of Object.entries(liveCounters)) {
        // the live hub counts; a scrape copies its totals
        counter.reset();
        counter.inc(s[key as keyof typeof liveCounters]);
      }
    }
    if (deps.state) {
      const s = await deps.state();
      natsUp.set(s.natsUp ? 1 : 0);
      postgresUp.set(s.postgresUp ? 1 : 0);
      for (const state of PROJECTOR_STATES)
        projectorState.set({ state }, s.projector.state === state ? 1 : 0);
      setOrReset(checkpoint, s.projector.checkpoint);
      setOrReset(streamLastSeq, s.projector.streamLastSeq);
      setOrReset(lagEvents, s.projector.lagEvents);
      setOrReset(lagSeconds, s.projector.lagSeconds);
    }
  }

  return {
    registry,
    contentType: registry.contentType,
    /** Probes the state and renders every metric in Prometheus's text format. */
    async scrape(): Promise<string> {
      await refresh();
      return registry.metrics();
    },
    /** For the publisher's `observe` hook. */
    published(event: HubEvent, result: PublishResult): void {
      published.inc({ type: event.type, outcome: result.duplicate ? 'duplicate' : 'stored' });
    },
    /** For the projector's `committed` event: a handful of increments per batch. */
    batchCommitted(b: BatchCommitted): void {
      for (const [type, n] of b.appliedByType) projected.inc({ type }, n);
      for (const [type, n] of b.rejectedByType) rejected.inc({ type }, n);
      batchEvents.observe(b.applied + b.rejected);
      batchSeconds.observe(b.durationMs / 1000);
    },
    /** For the HTTP middleware; `route` is the route's pattern, never the raw path. */
    request(method: string, route: string, status: number, seconds: number): void {
      httpSeconds.observe({ method, route, status: String(status) }, seconds);
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
