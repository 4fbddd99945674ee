import { afterEach, describe, expect, it } from 'vitest';
import { checksumReadModels } from '../src/db/checksum.js';
import { createDb } from '../src/db/client.js';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { createSubjects } from '../src/log/subjects.js';
import {
  checkpointOf,
  createTestDatabase,
  createTestLog,
  eventually,
  natsUrl,
  projectedTo,
} from './support/env.js';
import {
  cleanChecksums,
  cleanups,
  EVENTS,
  readiness,
  runCleanups,
  sleep,
  startService,
  steadyWorker,
  waitReady,
} from './support/faults.js';
import { startNats, startPostgres } from './support/servers.js';

// While a worker publishes a steady stream and the real service (a child process) projects it,
// one part fails: the NATS server, the Postgres server, or the projecting service process. The
// service must see it (/ready), recover by itself, and end with every published event projected
// exactly once: read models equal to a clean projection of the same stream.

afterEach(runCleanups);

describe('faults survived with nothing lost', () => {
  it('NATS stops and comes back: /ready says so, workers retry, every event is projected once', async () => {
    const server = await startNats();
    cleanups.push(() => server.destroy());
    const db = await createTestDatabase('faults_nats');
    cleanups.push(() => db.drop());
    const stream = `FAULTS_NATS_${Date.now()}`;
    const prefix = `faultsnats${Date.now()}.ev`;
    const { port } = await startService({
      DATABASE_URL: db.url,
      NATS_URL: server.url,
      STREAM_NAME: stream,
      SUBJECT_PREFIX: prefix,
    });
    const nats = await connectNats({ url: server.url, name: 'faults-worker' });
    cleanups.push(() => nats.nc.close());
    const subjects = createSubjects(prefix);
    const worker = steadyWorker(createPublisher({ js: nats.js, stream, subjects, timeoutMs: 1000 }), 'nats');

    await worker.reached(300);
    await server.stop('SIGKILL');
    const down = await waitReady(
      port,
      '/ready to report NATS down',
      (r, status) => status === 503 && !r.nats.ok,
    );
    expect(down.postgres.ok).toBe(true);
    await sleep(1500);
    const ackedWhileDown = worker.acked();
    await server.start();
    const backAt = Date.now();
    await waitReady(port, '/ready after NATS is back', (r, status) => status === 200 && r.nats.ok);
    // the projector follows the log again within seconds of its return
    // (the worker's own connection may still be reconnecting: ask until it answers)
    const seqAfterReturn = await eventually(
      async () => (await nats.jsm.streams.info(stream).catch(() => null))?.state.last_seq,
      'the stream, from the worker connection',
    );
    await projectedTo(db, `read-models:${stream}`, seqAfterReturn, 20_000);
    const resumedMs = Date.now() - backAt;
    await worker.done;

    // the worker saw the outage as errors and retried; nothing was acknowledged while the log was down
    expect(worker.errors()).toBeGreaterThan(0);
    expect(ackedWhileDown).toBeLessThan(EVENTS);
    expect(resumedMs).toBeLessThan(15_000);
    const info = await nats.jsm.streams.info(stream);
    expect(info.state.messages).toBe(EVENTS); // every event stored once, retries de-duplicated
    await projectedTo(db, `read-models:${stream}`, info.state.last_seq);
    expect(await checksumReadModels(db.sql)).toEqual(
      await cleanChecksums(nats, stream, subjects, info.state.last_seq),
    );
  });

  it('Postgres crashes and restarts: /ready says so, the projector resumes from its checkpoint', async () => {
    const pg = await startPostgres();
    cleanups.push(() => pg.destroy());
    const log = await createTestLog('faults_pg');
    cleanups.push(() => log.close());
    const databaseUrl = pg.url.replace(/\/postgres$/, '/hub');
    const { port, svc } = await startService({
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl(),
      STREAM_NAME: log.stream,
      SUBJECT_PREFIX: log.subjects.prefix,
    });
    const worker = steadyWorker(log.publisher, 'pg');

    await worker.reached(300);
    await pg.stop('immediate'); // a crash: no shutdown checkpoint, sessions cut
    const down = await waitReady(
      port,
      '/ready to report Postgres down',
      (r, status) => status === 503 && !r.postgres.ok,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nservice exit ${svc.child.exitCode} output:\n${svc.output()}`);
    });
    expect(down.nats.ok).toBe(true);
    await sleep(1500);
    await pg.start();
    await waitReady(
      port,
      '/ready after Postgres is back',
      (r, status) => status === 200 && r.postgres.ok,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nservice exit ${svc.child.exitCode} output:\n${svc.output()}`);
    });
    await worker.done;

    // publishing never depended on Postgres
    expect(worker.errors()).toBe(0);
    const info = await log.jsm.streams.info(log.stream);
    expect(info.state.messages).toBe(EVENTS);
    const live = createDb(databaseUrl, { max: 2 });
    cleanups.push(() => live.close());
    await projectedTo(live, `read-models:${log.stream}`, info.state.last_seq);
    expect(await checksumReadModels(live.sql)).toEqual(
      await cleanChecksums(log, log.stream, log.subjects, info.state.last_seq),
    );
  });

  it('three service processes: one projects, another takes over when it is killed', async () => {
    const log = await createTestLog('faults_three');
    cleanups.push(() => log.close());
    const db = await createTestDatabase('faults_three');
    cleanups.push(() => db.drop());
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: natsUrl(),
      STREAM_NAME: log.stream,
      SUBJECT_PREFIX: log.subjects.prefix,
    };
    const services = await Promise.all([startService(env), startService(env), startService(env)]);
    const worker = steadyWorker(log.publisher, 'three');
    await worker.reached(300);

    // all answer queries; only the one holding the projector lock projects
    const stateOf = async (s: (typeof services)[number]) => (await readiness(s.port))!.body.projector.state;
    const states = await Promise.all(services.map(stateOf));
    expect([...states].sort()).toEqual(['projecting', 'standby', 'standby']);
    const active = services[states.indexOf('projecting')]!;
    const others = services.filter((s) => s !== active);
    const checkpointAtKill = await checkpointOf(db, `read-models:${log.stream}`);
    active.svc.child.kill('SIGKILL');
    await active.svc.exited;
    const killedAt = Date.now();
    await eventually(
      async () => ((await Promise.all(others.map(stateOf))).includes('projecting') ? true : undefined),
      'a standby to take over',
    );
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);
    expect((await Promise.all(others.map(stateOf))).sort()).toEqual(['projecting', 'standby']);
    await worker.done;

    const info = await log.jsm.streams.info(log.stream);
    expect(info.state.messages).toBe(EVENTS);
    await projectedTo(db, `read-models:${log.stream}`, info.state.last_seq);
    expect(await checkpointOf(db, `read-models:${log.stream}`)).toBeGreaterThan(checkpointAtKill);
    expect(await checksumReadModels(db.sql)).toEqual(
      await cleanChecksums(log, log.stream, log.subjects, info.state.last_seq),
    );
  });
});
