import { afterEach, describe, expect, it } from 'vitest';
import { checksumReadModels } from '../src/db/checksum.js';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { createSubjects } from '../src/log/subjects.js';
import { createTestDatabase, eventually, projectedTo } from './support/env.js';
import {
  cleanChecksums,
  cleanups,
  EVENTS,
  runCleanups,
  sleep,
  startService,
  steadyWorker,
} from './support/faults.js';
import { startNatsCluster } from './support/servers.js';

// The log replicated on a three-node JetStream cluster (three local nats-server processes):
// losing the node that leads the stream, mid-ingest, and getting it back, must lose nothing,
// apply nothing twice, and need no restart of the service.

afterEach(runCleanups);

describe('replicated log on a three-node NATS cluster', () => {
  it('survives the loss of the stream leader mid-ingest, and its return', async () => {
    const cluster = await startNatsCluster(3);
    cleanups.push(() => cluster.destroy());
    // JetStream answers once the cluster has elected its meta leader
    const nats = await eventually(
      () => connectNats({ url: cluster.url, name: 'cluster-worker' }).catch(() => undefined),
      'JetStream on the cluster',
    );
    cleanups.push(() => nats.nc.close());

    const db = await createTestDatabase('cluster');
    cleanups.push(() => db.drop());
    const stream = `CLUSTER_${Date.now()}`;
    const prefix = `cluster${Date.now()}.ev`;
    const { svc } = await startService({
      DATABASE_URL: db.url,
      NATS_URL: cluster.url,
      STREAM_NAME: stream,
      SUBJECT_PREFIX: prefix,
      STREAM_REPLICAS: '3',
    });
    const info0 = await nats.jsm.streams.info(stream);
    expect(info0.config.num_replicas).toBe(3);
    expect(info0.cluster?.replicas?.length).toBe(2);

    const subjects = createSubjects(prefix);
    const worker = steadyWorker(
      createPublisher({ js: nats.js, stream, subjects, timeoutMs: 2000 }),
      'cluster',
    );
    await worker.reached(300);
    const leaderName = (await nats.jsm.streams.info(stream)).cluster!.leader!;
    const leader = cluster.nodes.find((n) => n.name === leaderName)!;
    await leader.stop('SIGKILL');
    // a new leader is elected among the two left, and publishing goes on
    const newLeader = await eventually(async () => {
      const l = (await nats.jsm.streams.info(stream).catch(() => null))?.cluster?.leader;
      return l && l !== leaderName ? l : undefined;
    }, 'a new stream leader');
    expect(newLeader).not.toBe(leaderName);
    await sleep(500);
    await leader.start();
    await worker.done;
    // publishing failed while no node led the stream; the worker retried the same events
    expect(worker.errors()).toBeGreaterThan(0);

    const info = await nats.jsm.streams.info(stream);
    expect(info.state.messages).toBe(EVENTS); // retries de-duplicated across the fail-over
    await projectedTo(db, `read-models:${stream}`, info.state.last_seq);
    expect(await checksumReadModels(db.sql)).toEqual(
      await cleanChecksums(nats, stream, subjects, info.state.last_seq),
    );
    // the returned node caught up with the others
    await eventually(async () => {
      const replicas = (await nats.jsm.streams.info(stream)).cluster?.replicas ?? [];
      const back = replicas.find((r) => r.name === leaderName);
      return back?.current ? true : undefined;
    }, `${leaderName} to be current again`);
    // one service process the whole time
    expect(svc.child.exitCode).toBeNull();
  });
});
