import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumReadModels } from '../src/db/checksum.js';
import { silentLogger } from '../src/logger.js';
import { createProjector } from '../src/projections/projector.js';
import { simulateEvents } from '../src/worker/simulate.js';
import {
  checkpointOf,
  createTestDatabase,
  createTestLog,
  eventually,
  natsUrl,
  projectedTo,
  type TestLog,
} from './support/env.js';
import { spawnCli } from './support/process.js';

// The real service, killed with SIGKILL twice while it projects, must end with read models
// identical (by checksum) to a clean projection of the same stream.

const TOTAL = 30_000;
let log: TestLog;
let live: Awaited<ReturnType<typeof createTestDatabase>>;
let clean: Awaited<ReturnType<typeof createTestDatabase>>;
let lastSeq = 0;

beforeAll(async () => {
  [log, live, clean] = await Promise.all([
    createTestLog('crash'),
    createTestDatabase('crash_live'),
    createTestDatabase('crash_clean'),
  ]);
  const events = [
    ...simulateEvents({ seed: 99, events: TOTAL, accounts: 5, conversationsPerAccount: 40, runId: 'crash' }),
  ];
  const results = await log.publisher.publishMany(events);
  await log.js.publish(
    log.subjects.event('dy_10001', 'MessageCaptured'),
    new TextEncoder().encode('not json'),
  );
  lastSeq = Math.max(...results.map((r) => r.seq)) + 1;
});

afterAll(async () => {
  await log?.close();
  await live?.drop();
  await clean?.drop();
});

describe('crash safety', () => {
  it('SIGKILL while projecting loses nothing and applies nothing twice', async () => {
    const env = {
      DATABASE_URL: live.url,
      NATS_URL: natsUrl(),
      STREAM_NAME: log.stream,
      SUBJECT_PREFIX: log.subjects.prefix,
      PORT: '0',
      PROJECTOR_BATCH_SIZE: '100',
    };
    const projector = `read-models:${log.stream}`;
    const kills: number[] = [];
    for (const killAfter of [3_000, 12_000]) {
      const service = spawnCli(['serve'], env);
      await eventually(
        async () => ((await checkpointOf(live, projector)) >= killAfter ? true : undefined),
        `checkpoint ${killAfter}`,
      );
      service.child.kill('SIGKILL');
      await service.exited;
      kills.push(await checkpointOf(live, projector));
    }
    // Both kills happened mid-stream, at different points.
    expect(kills[0]).toBeLessThan(kills[1]!);
    expect(kills[1]).toBeLessThan(lastSeq);

    const service = spawnCli(['serve'], env);
    await projectedTo(live, projector, lastSeq);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);

    const p = createProjector({
      sql: clean.sql,
      js: log.js,
      stream: log.stream,
      subjects: log.subjects,
      log: silentLogger(),
    });
    p.start();
    await projectedTo(clean, p.name, lastSeq);
    await p.stop();

    const [a, b] = await Promise.all([checksumReadModels(live.sql), checksumReadModels(clean.sql)]);
    expect(a.find((t) => t.table === 'messages')!.rows).toBeGreaterThan(25_000);
    expect(a.find((t) => t.table === 'rejected_events')!.rows).toBe(1);
    expect(a).toEqual(b);
  });
});
