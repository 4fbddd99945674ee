import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createProjector, type Projector } from '../src/projections/projector.js';
import { simulateEvents } from '../src/worker/simulate.js';
import {
  checkpointOf,
  createTestDatabase,
  createTestLog,
  eventually,
  projectedTo,
  type TestLog,
} from './support/env.js';

// A write that Postgres refuses must fail the batch loudly and be retried, never hang it.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('faults'), createTestDatabase('faults')]);
});
afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('projector faults', () => {
  it('reports a refused batch, retries it, and goes on once the cause is gone', async () => {
    const events = [...simulateEvents({ seed: 8, events: 50, editRate: 0, recallRate: 0, runId: 'faults' })];
    const first = events[10]!;
    if (first.type !== 'MessageCaptured') throw new Error('expected a capture');
    // Postgres refuses one row of the COPY (a trigger stands in for any refusal: a constraint, a full disk)
    await db.sql.unsafe(`
      create function refuse_row() returns trigger language plpgsql as $$
      begin raise exception 'refused for the test'; end $$;
      create trigger refuse before insert on messages for each row
        when (new.platform_message_id = '${first.payload.platform_message_id}') execute function refuse_row();`);
    const results = await log.publisher.publishMany(events);
    projector = createProjector(
      { sql: db.sql, js: log.js, stream: log.stream, subjects: log.subjects, log: silentLogger() },
      { batchSize: 100 },
    );
    projector.start();
    const failing = await eventually(
      async () => (projector.status().state === 'failing' ? projector.status() : undefined),
      'failing',
    );
    expect(failing.lastError).toMatch(/COPY into messages failed/);
    expect(await checkpointOf(db, projector.name)).toBe(0);

    await db.sql`drop trigger refuse on messages`;
    await projectedTo(db, projector.name, Math.max(...results.map((r) => r.seq)), 30_000);
    expect(projector.status()).toMatchObject({ state: 'projecting', lastError: null });
    const [row] = await db.sql<
      { n: number }[]
    >`select count(*)::int n from messages where capture_seq is not null`;
    expect(row!.n).toBe(50);
  });

  it('stops when asked at any moment of its start, even before it has a consumer', async () => {
    for (const delayMs of [0, 1, 5, 20, 100]) {
      const p = createProjector(
        { sql: db.sql, js: log.js, stream: log.stream, subjects: log.subjects, log: silentLogger() },
        { name: `stop-early-${delayMs}` },
      );
      p.start();
      await new Promise((r) => setTimeout(r, delayMs));
      const stopped = await Promise.race([
        p.stop().then(() => 'stopped'),
        new Promise((r) => setTimeout(() => r('hung'), 5000)),
      ]);
      expect(stopped, `stop after ${delayMs} ms`).toBe('stopped');
      expect(p.status().state).toBe('stopped');
    }
  });
});
