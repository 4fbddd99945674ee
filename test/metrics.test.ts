import type { ReservedSql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/create-app.js';
import { loadConfig } from '../src/config.js';
import type { HubEvent } from '../src/events/index.js';
import { createLogger } from '../src/logger.js';
import { type Service, startService } from '../src/main.js';
import { simulateEvents } from '../src/worker/simulate.js';
import {
  bearer,
  createTestDatabase,
  createTestLog,
  eventually,
  insertTestKey,
  natsUrl,
  projectedTo,
  type TestKey,
  type TestLog,
} from './support/env.js';
import { parseMetrics, type Sample, samples, sum, value } from './support/prometheus.js';

// The real service after a short run: events published by workers and by the API's own
// actions, projected after a stretch of lag, and the metrics and log lines an operator sees.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let service: Service;
let holder: ReservedSql | undefined;
const lines: Record<string, any>[] = [];
const PASSWORD = 'not-for-the-log-9f3a';
const projector = () => `read-models:${log.stream}`;
const events: HubEvent[] = [
  ...simulateEvents({ seed: 91, events: 240, accounts: 2, conversationsPerAccount: 5, runId: 'metrics' }),
];

const url = (path: string) => `http://127.0.0.1:${service.port}${path}`;
/** An operator key, written to the table (a key on the log would show in the counts below). */
let key: TestKey;
const withKey = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...bearer(key), ...(init.headers as Record<string, string>) },
});
async function scrape(): Promise<Sample[]> {
  const res = await fetch(url('/metrics'));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('metrics'), createTestDatabase('metrics')]);
  // Hold the projector's lock, as another process would: the service starts on standby, so the
  // events published meanwhile wait on the log and show up as lag.
  key = await insertTestKey(db, { role: 'operator', name: 'metrics-ops' });
  holder = await db.sql.reserve();
  await holder`select pg_advisory_lock(hashtextextended(${projector()}, 0))`;
  const withPassword = new URL(db.url);
  withPassword.password = PASSWORD; // trust authentication ignores it; the log must not show it
  const config = loadConfig({
    DATABASE_URL: withPassword.toString(),
    NATS_URL: natsUrl(),
    STREAM_NAME: log.stream,
    SUBJECT_PREFIX: log.subjects.prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    PROJECTOR_PROGRESS_MS: '100',
  });
  const destination = {
    write(line: string) {
      lines.push(JSON.parse(line));
    },
  };
  service = await startService(config, createLogger('info', { destination }));
});

afterAll(async () => {
  await service?.stop();
  holder?.release();
  await log?.close();
  await db?.drop();
});

describe('metrics and logs of a short run', () => {
  it('shows lag while events wait, then counts what was published, projected and rejected', async () => {
    await eventually(
      async () =>
        value(await scrape(), 'imhub_projector_state', { state: 'standby' }) === 1 ? true : undefined,
      'the projector on standby',
      10_000,
    );
    await log.publisher.publishMany(events);
    // a worker's malformed capture, and an event under a type that does not exist
    await log.js.publish(log.subjects.event('dy_10001', 'MessageCaptured'), new TextEncoder().encode('{}'));
    const bogus = await log.js.publish(
      `${log.subjects.prefix}.dy_10001.NoSuchEvent`,
      new TextEncoder().encode('{}'),
    );

    await new Promise((r) => setTimeout(r, 300));
    let m = await scrape();
    expect(value(m, 'imhub_projector_lag_events')).toBe(bogus.seq);
    expect(value(m, 'imhub_stream_last_seq')).toBe(bogus.seq);
    expect(value(m, 'imhub_projector_checkpoint')).toBe(0);
    expect(value(m, 'imhub_projector_lag_seconds')).toBeGreaterThanOrEqual(0.25);
    expect(sum(m, 'imhub_events_projected_total')).toBe(0);
    expect(value(m, 'imhub_nats_up')).toBe(1);
    expect(value(m, 'imhub_postgres_up')).toBe(1);

    // the other "process" goes away: this one takes over and catches up
    await holder!`select pg_advisory_unlock(hashtextextended(${projector()}, 0))`;
    await projectedTo(db, projector(), bogus.seq, 30_000);
    await eventually(
      async () => (value(await scrape(), 'imhub_projector_lag_events') === 0 ? true : undefined),
      'no lag',
      10_000,
    );

    // the API's own publisher: a client action
    const convs = (await (
      await fetch(url('/api/v1/conversations?account_id=dy_10001'), withKey())
    ).json()) as any;
    const pin = await fetch(
      url(`/api/v1/conversations/${convs.conversations[0].id}/pin`),
      withKey({ method: 'POST' }),
    );
    expect(pin.status).toBe(200);

    m = await scrape();
    expect(value(m, 'imhub_projector_state', { state: 'projecting' })).toBe(1);
    expect(value(m, 'imhub_projector_lag_events')).toBe(0);
    expect(value(m, 'imhub_projector_lag_seconds')).toBe(0);
    expect(value(m, 'imhub_projector_checkpoint')).toBe(bogus.seq + 1);
    const byType = new Map<string, number>();
    for (const e of events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    byType.set('ConversationPinned', 1);
    for (const [type, n] of byType) expect(value(m, 'imhub_events_projected_total', { type }), type).toBe(n);
    expect(sum(m, 'imhub_events_projected_total')).toBe(events.length + 1);
    expect(value(m, 'imhub_events_rejected_total', { type: 'MessageCaptured' })).toBe(1);
    expect(value(m, 'imhub_events_rejected_total', { type: 'unknown' })).toBe(1);
    expect(value(m, 'imhub_events_published_total', { type: 'ConversationPinned', outcome: 'stored' })).toBe(
      1,
    );
    // the workers' events did not go through the API's publisher
    expect(sum(m, 'imhub_events_published_total', { type: 'MessageCaptured' })).toBe(0);
    // batches: every event (applied or rejected) in exactly one of them
    expect(value(m, 'imhub_projector_batch_events_sum')).toBe(bogus.seq + 1);
    expect(value(m, 'imhub_projector_batch_events_count')).toBeGreaterThanOrEqual(2);
    expect(value(m, 'imhub_projector_batch_duration_seconds_count')).toBe(
      value(m, 'imhub_projector_batch_events_count'),
    );
    // HTTP by route pattern, never by raw path
    expect(
      value(m, 'imhub_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/conversations/:id/pin',
        status: '200',
      }),
    ).toBe(1);
    const routes = new Set(
      samples(m, 'imhub_http_request_duration_seconds_count').map((s) => s.labels.route),
    );
    for (const route of routes) expect(route).not.toMatch(/c_|dy_/);
    // Node's own metrics come with the service
    expect(samples(m, 'process_cpu_user_seconds_total')).toHaveLength(1);
  });

  it('counts live-stream connections', async () => {
    const abort = new AbortController();
    // the key as EventSource sends it: in the query (and never into the log, see below)
    const res = await fetch(url(`/api/v1/stream?account_id=dy_10001&access_token=${key.key}`), {
      signal: abort.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-request-id')).toMatch(/\S/);
    const reader = res.body!.getReader();
    await reader.read(); // the replay has started: the connection is registered
    await eventually(
      async () => (value(await scrape(), 'imhub_live_connections') === 1 ? true : undefined),
      'one live connection',
      10_000,
    );
    expect(value(await scrape(), 'imhub_live_connections_opened_total')).toBe(1);
    abort.abort();
    await eventually(
      async () => (value(await scrape(), 'imhub_live_connections') === 0 ? true : undefined),
      'no live connection',
      10_000,
    );
    expect(value(await scrape(), 'imhub_live_connections_closed_total')).toBe(1);
  });

  it('logs JSON lines: a request id on each request, progress while projecting, no contents or secrets', async () => {
    const res = await fetch(url('/api/v1/accounts'), withKey({ headers: { 'X-Request-Id': 'ops-check-1' } }));
    expect(res.headers.get('x-request-id')).toBe('ops-check-1');
    const mine = await fetch(
      url('/api/v1/accounts'),
      withKey({ headers: { 'X-Request-Id': 'bad id with spaces' } }),
    );
    const generated = mine.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines.find((l) => l.request_id === 'ops-check-1')).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/api/v1/accounts',
      path: '/api/v1/accounts',
      status: 200,
    });
    expect(requestLines.some((l) => l.request_id === generated)).toBe(true);
    for (const l of requestLines) expect(l.request_id).toMatch(/\S/);
    // probes are quiet at info
    expect(requestLines.some((l) => l.route === '/metrics')).toBe(false);

    const progress = lines.filter((l) => l.msg === 'projector progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ level: 'info', projector: projector() });
    for (const p of progress) {
      expect(Object.keys(p)).toEqual(
        expect.arrayContaining(['checkpoint', 'events', 'events_per_s', 'lag_events']),
      );
    }

    // nothing per event: a few lines for hundreds of events
    const notRequests = lines.filter((l) => l.msg !== 'request');
    expect(notRequests.length).toBeLessThan(40);
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(key.key.slice(-43)); // the key's secret, sent in a header and a query
    expect(lines.some((l) => l.route === '/api/v1/stream')).toBe(true);
    for (const e of events) {
      if (e.type === 'MessageCaptured') expect(text).not.toContain(JSON.stringify(e.payload.content));
      if (e.type === 'MessageEdited') expect(text).not.toContain(JSON.stringify(e.payload.new_content));
    }
    for (const l of lines) expect(typeof l.level).toBe('string');
  });
});

describe('an unhandled error', () => {
  it('is logged with the request id, and the answer names it', async () => {
    const captured: Record<string, any>[] = [];
    const app = createApp({
      db: new Proxy(
        {},
        {
          get() {
            throw new Error('the database is on fire');
          },
        },
      ) as never,
      log: createLogger('info', { destination: { write: (l: string) => captured.push(JSON.parse(l)) } }),
      readiness: async () => {
        throw new Error('not under test');
      },
      // the key is checked before the route reads the database: an admin key, without one
      keys: {
        authenticate: async () => ({ keyId: '0'.repeat(16), name: 'admin', role: 'admin', accounts: null }),
        evict() {},
        close: async () => {},
      },
    });
    const res = await app.request('/api/v1/accounts', {
      headers: { 'x-request-id': 'boom-1', authorization: 'Bearer any' },
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('boom-1');
    expect(await res.json()).toEqual({
      error: { code: 'internal', message: expect.stringContaining('request_id boom-1') },
    });
    const error = captured.find((l) => l.msg === 'unhandled error');
    expect(error).toMatchObject({
      level: 'error',
      request_id: 'boom-1',
      err: { message: 'the database is on fire' },
    });
    expect(captured.find((l) => l.msg === 'request')).toMatchObject({
      level: 'warn',
      request_id: 'boom-1',
      status: 500,
    });
  });
});
