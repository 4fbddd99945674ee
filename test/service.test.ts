import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, projectedPartitions } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { type Service, startService } from '../src/main.js';
import { simulateEvents } from '../src/worker/simulate.js';
import {
  bearer,
  createLoggedKey,
  createTestDatabase,
  createTestLog,
  eventually,
  natsUrl,
  projectedTo,
  type TestLog,
} from './support/env.js';

// Two service processes' worth of wiring on one stream and database: both serve, one projects.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const services: Service[] = [];

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('service'), createTestDatabase('service')]);
});
afterAll(async () => {
  for (const s of services) await s.stop();
  await log?.close();
  await db?.drop();
});

const ready = async (s: Service) => {
  const res = await fetch(`http://127.0.0.1:${s.port}/ready`);
  return {
    status: res.status,
    body: (await res.json()) as {
      ready: boolean;
      projector: { state: string; lag_events: number; checkpoint: number };
    },
  };
};

describe('service', () => {
  it('starts two instances: both ready, exactly one projecting, and fails over on stop', async () => {
    const config = loadConfig({
      DATABASE_URL: db.url,
      NATS_URL: natsUrl(),
      STREAM_NAME: log.stream,
      SUBJECT_PREFIX: log.subjects.prefix,
      PORT: '0',
      HOST: '127.0.0.1',
    });
    const a = await startService(config, silentLogger());
    services.push(a);
    await eventually(
      async () => ((await ready(a)).body.projector.state === 'projecting' ? true : undefined),
      'a projecting',
    );
    const b = await startService(config, silentLogger());
    services.push(b);
    await eventually(
      async () => ((await ready(b)).body.projector.state === 'standby' ? true : undefined),
      'b standby',
    );
    expect((await ready(b)).status).toBe(200);

    const first = await log.publisher.publishMany([
      ...simulateEvents({ seed: 11, events: 500, runId: 'svc1' }),
    ]);
    await projectedTo(db, `read-models:${log.stream}`, first.at(-1)!.seq);
    const r = await ready(a);
    expect(r.status).toBe(200);
    expect(r.body.projector).toMatchObject({
      state: 'projecting',
      lag_events: 0,
      checkpoint: first.at(-1)!.seq,
    });

    await a.stop();
    services.shift();
    const second = await log.publisher.publishMany([
      ...simulateEvents({ seed: 12, events: 500, runId: 'svc2' }),
    ]);
    await projectedTo(db, `read-models:${log.stream}`, second.at(-1)!.seq, 15_000);
    expect((await ready(b)).body.projector.state).toBe('projecting');
    const [row] = await db.sql<{ n: number }[]>`select sum(message_count)::int n from accounts`;
    const [msgs] = await db.sql<
      { n: number }[]
    >`select count(*)::int n from messages where capture_seq is not null`;
    expect(row!.n).toBe(msgs!.n);
  });

  it('expires replies where the projector runs, and reports its lag per account', async () => {
    const config = loadConfig({
      DATABASE_URL: db.url,
      NATS_URL: natsUrl(),
      STREAM_NAME: log.stream,
      SUBJECT_PREFIX: log.subjects.prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      REPLY_TIMEOUT_MS: '300',
      REPLY_SWEEP_MS: '50',
    });
    const s = await startService(config, silentLogger());
    services.push(s);
    const events = await log.publisher.publishMany([
      ...simulateEvents({ seed: 13, events: 30, accounts: 1, runId: 'svc3' }),
    ]);
    await projectedTo(db, `read-models:${log.stream}`, events.at(-1)!.seq);
    const operator = bearer(await createLoggedKey(log, db, { role: 'operator', name: 'svc-ops' }));
    const api = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await fetch(`http://127.0.0.1:${s.port}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...operator, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const { body: list } = await api('GET', '/api/v1/conversations?account_id=dy_10001&limit=1');
    const asked = await api(
      'POST',
      '/api/v1/replies',
      { account_id: 'dy_10001', conversation_id: list.conversations[0].id, content: '稍等，马上回复您' },
      { 'idempotency-key': 'svc-reply-1' },
    );
    expect(asked.status).toBe(201);
    expect(asked.body.reply.expires_at - asked.body.reply.requested_at).toBe(300);
    // no worker runs for the account: whichever process projects expires it
    const reply = await eventually(async () => {
      const r = await api('GET', `/api/v1/replies/${asked.body.reply.reply_id}`);
      return r.body.status === 'expired' ? r.body : undefined;
    }, 'the reply to expire');
    expect(reply.expired_at).toBeGreaterThanOrEqual(reply.expires_at);
    const status = await api('GET', '/api/v1/accounts/status/all');
    expect(status.body.projector).toMatchObject({ lag_events: expect.any(Number) });
    expect(status.body.accounts.find((a: any) => a.account_id === 'dy_10001')).toMatchObject({
      pending_replies: 0,
      projector_lag_events: status.body.projector.lag_events,
    });
  });

  it('says what is wrong with a bad configuration', () => {
    expect(() => loadConfig({ PORT: 'eighty', STREAM_NAME: 'bad name!' })).toThrow(
      /PORT="eighty"[\s\S]*STREAM_NAME="bad name!"/,
    );
    expect(() => loadConfig({ PARTITIONS: '0', ROLE: 'worker' })).toThrow(
      /PARTITIONS="0"[\s\S]*ROLE="worker"/,
    );
    expect(() => loadConfig({ PARTITIONS: '4', PROJECTOR_PARTITIONS: '2-4' })).toThrow(
      /PROJECTOR_PARTITIONS="2-4": partition 4 does not exist \(PARTITIONS=4: 0 to 3\)/,
    );
    expect(projectedPartitions(loadConfig({ PARTITIONS: '8', PROJECTOR_PARTITIONS: '6,0-2' }))).toEqual([
      0, 1, 2, 6,
    ]);
    expect(projectedPartitions(loadConfig({ PARTITIONS: '3' }))).toEqual([0, 1, 2]);
  });
});
