import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COPY_MIN_ROWS } from '../src/db/bulk.js';
import { silentLogger } from '../src/logger.js';
import { createProjector } from '../src/projections/projector.js';
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

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('faults'), createTestDatabase('faults')]);
});
afterAll(async () => {
  await log?.close();
  await db?.drop();
});

describe('projector faults', () => {
  // A small batch inserts its new rows with INSERT; a large one (≥ COPY_MIN_ROWS) with COPY,
  // whose refusal postgres-js would otherwise never report.
  it.each([
    { path: 'INSERT', events: 50 },
    { path: 'COPY', events: COPY_MIN_ROWS + 100 },
  ])('reports a batch refused in its $path, retries it, and goes on once the cause is gone', async (c) => {
    const [log, db] = await Promise.all([
      createTestLog(`refused_${c.path}`),
      createTestDatabase(`refused_${c.path}`),
    ]);
    const events = [
      ...simulateEvents({ seed: 8, events: c.events, editRate: 0, recallRate: 0, runId: `faults-${c.path}` }),
    ];
    const first = events[10]!;
    if (first.type !== 'MessageCaptured') throw new Error('expected a capture');
    // Postgres refuses one row of the batch (a trigger stands in for any refusal: a constraint, a full disk)
    await db.sql.unsafe(`
      create function refuse_row() returns trigger language plpgsql as $$
      begin raise exception 'refused for the test'; end $$;
      create trigger refuse before insert on messages for each row
        when (new.platform_message_id = '${first.payload.platform_message_id}') execute function refuse_row();`);
    const results = await log.publisher.publishMany(events);
    // everything is on the log before the projector starts, and it lingers long enough to read
    // it all into its first batch
    const p = createProjector(
      { sql: db.sql, js: log.js, stream: log.stream, subjects: log.subjects, log: silentLogger() },
      { batchSize: 1000, lingerMs: 1000 },
    );
    try {
      p.start();
      const failing = await eventually(
        async () => (p.status().state === 'failing' ? p.status() : undefined),
        'failing',
      );
      // postgres-js loses the server's reason for a refused COPY: the error names the table
      expect(failing.lastError).toMatch(
        c.path === 'COPY' ? /COPY into messages failed/ : /refused for the test/,
      );
      expect(await checkpointOf(db, p.name)).toBe(0);

      await db.sql`drop trigger refuse on messages`;
      await projectedTo(db, p.name, Math.max(...results.map((r) => r.seq)), 30_000);
      expect(p.status()).toMatchObject({ state: 'projecting', lastError: null });
      const [row] = await db.sql<
        { n: number }[]
      >`select count(*)::int n from messages where capture_seq is not null`;
      expect(row!.n).toBe(c.events);
    } finally {
      await p.stop();
      await log.close();
      await db.drop();
    }
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
