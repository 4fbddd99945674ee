import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connectNats } from '../src/log/connect.js';
import { createPartitions } from '../src/log/partitions.js';
import { createPublisher } from '../src/log/publisher.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { checkpointOf, createTestDatabase, natsUrl, projectedTo } from './support/env.js';
import { cleanups, runCleanups, startService } from './support/faults.js';
import { bearer, insertTestKey } from './support/keys.js';

// Operators who separate the roles: a process that only serves (ROLE=api) answers from the
// read models that a process that only projects (ROLE=projector) fills, on a log of two
// partitions. The api process never takes a projector lock; the projector process serves
// nothing but /health, /ready and /metrics.

afterEach(runCleanups);

/** The sessions holding an advisory lock of these projectors, by application name. */
async function lockHolders(sql: Awaited<ReturnType<typeof createTestDatabase>>['sql'], projectors: string[]) {
  const rows = await sql<{ application_name: string }[]>`
    select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted
      and l.database = (select oid from pg_database where datname = current_database())
      and ((l.classid::bigint << 32) | l.objid::bigint) in (
        select hashtextextended(p, 0) from unnest(${projectors}::text[]) p)`;
  return rows.map((r) => r.application_name).sort();
}

describe('roles', () => {
  it('an api process answers from read models a separate projector process fills, and never projects', async () => {
    const db = await createTestDatabase('roles');
    cleanups.push(() => db.drop());
    const id = randomBytes(4).toString('hex');
    const partitions = createPartitions({ stream: `ROLES_${id}`, prefix: `roles${id}.ev`, count: 2 });
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: natsUrl(),
      STREAM_NAME: partitions.base,
      SUBJECT_PREFIX: `roles${id}.ev`,
      PARTITIONS: '2',
    };
    const nats = await connectNats({ url: natsUrl(), name: 'roles-worker' });
    cleanups.push(async () => {
      for (const p of partitions.list) await nats.jsm.streams.delete(p.stream).catch(() => {});
      await nats.jsm.streams.delete(`KV_${partitions.base}_DEVICES`).catch(() => {});
      await nats.nc.close();
    });
    const projectorNames = partitions.list.map((p) => p.projector);

    const api = await startService({ ...env, ROLE: 'api' });
    const admin = bearer(await insertTestKey(db));
    const get = async (port: number, path: string, init?: RequestInit) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        ...init,
        headers: { ...admin, ...(init?.headers as Record<string, string> | undefined) },
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const events = [...simulateEvents({ seed: 3, events: 600, accounts: 4, runId: `roles-${id}` })];
    await createPublisher({ js: nats.js, partitions }).publishMany(events);

    // alone, the api process projects nothing: every partition is someone else's
    const waiting = await get(api.port, '/ready');
    expect(waiting.status).toBe(200);
    expect(waiting.body.projector.state).toBe('remote');
    expect(waiting.body.partitions.map((p: { state: string }) => p.state)).toEqual(['remote', 'remote']);
    expect(waiting.body.projector.lag_events).toBe(events.length);
    expect(await lockHolders(db.sql, projectorNames)).toEqual([]);

    // two projector processes, each given one partition: they project side by side
    const projector = await startService({ ...env, ROLE: 'projector', PROJECTOR_PARTITIONS: '0' });
    const other = await startService({ ...env, ROLE: 'projector', PROJECTOR_PARTITIONS: '1' });
    for (const p of partitions.list) {
      const end = (await nats.jsm.streams.info(p.stream)).state.last_seq;
      expect(end).toBeGreaterThan(0);
      await projectedTo(db, p.projector, end);
    }
    // both partitions' locks are the projector processes'
    expect(await lockHolders(db.sql, projectorNames)).toEqual(['im-hub projector', 'im-hub projector']);
    const states = async (port: number) =>
      (await get(port, '/ready')).body.partitions.map((p: { state: string }) => p.state);
    expect(await states(projector.port)).toEqual(['projecting', 'remote']);
    expect(await states(other.port)).toEqual(['remote', 'projecting']);

    const account = 'dy_10002';
    const list = await get(api.port, `/api/v1/conversations?account_id=${account}&limit=200`);
    expect(list.status).toBe(200);
    const [count] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from conversations where account_id = ${account}`;
    expect(list.body.total).toBe(count!.n);
    expect(list.body.total).toBeGreaterThan(0);

    // an action through the api process is appended to its partition and projected elsewhere
    const conv = list.body.conversations[0].id as string;
    const pinned = await get(api.port, `/api/v1/conversations/${conv}/pin`, { method: 'POST' });
    expect(pinned.status).toBe(200);
    expect(pinned.body).toMatchObject({ projected: true, conversation: { is_pinned: true } });
    const partition = partitions.of(account);
    expect(await checkpointOf(db, partition.projector)).toBeGreaterThanOrEqual(pinned.body.seq);
    const stored = await nats.jsm.streams.getMessage(partition.stream, { seq: pinned.body.seq });
    expect(stored!.subject).toBe(partition.subjects.event(account, 'ConversationPinned'));

    const ready = await get(api.port, '/ready');
    expect(ready.body.projector).toMatchObject({ state: 'remote', lag_events: 0 });
    const apiMetrics = await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
    expect(apiMetrics).toContain('imhub_projector_state{state="remote"} 1');
    expect(apiMetrics).not.toMatch(/imhub_events_projected_total\{[^}]*\} [1-9]/);

    // the projector process: operations only
    expect((await fetch(`http://127.0.0.1:${projector.port}/health`)).status).toBe(200);
    const projecting = await get(projector.port, '/ready');
    expect(projecting.status).toBe(200);
    expect(projecting.body.projector.state).toBe('projecting');
    expect((await get(projector.port, `/api/v1/conversations?account_id=${account}`)).status).toBe(404);
    const metrics = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
    expect(metrics).toMatch(/imhub_events_projected_total\{type="MessageCaptured"\} [1-9]/);

    // with the projectors gone, the api process keeps answering and still holds no lock
    projector.svc.child.kill('SIGTERM');
    other.svc.child.kill('SIGTERM');
    expect(await projector.svc.exited).toBe(0);
    expect(await other.svc.exited).toBe(0);
    expect(await lockHolders(db.sql, projectorNames)).toEqual([]);
    expect((await get(api.port, `/api/v1/conversations?account_id=${account}`)).status).toBe(200);
  });
});
