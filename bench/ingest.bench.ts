/**
 * bench:ingest — publish N events, project them, and compare with bulk-loading the same rows
 * into the same tables (COPY, same indexes) without the log; then capture-to-projected
 * latency at a fixed rate.
 *
 *   npm run bench:ingest -- --events 200000 --rate 1000 --seconds 10
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { READ_MODEL_TABLES } from '../src/db/checksum.js';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { ensureStream } from '../src/log/stream.js';
import { createSubjects } from '../src/log/subjects.js';
import { silentLogger } from '../src/logger.js';
import { type BatchCommitted, createProjector } from '../src/projections/projector.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { copyValue, fmt, freshDatabase, NATS_URL, percentile, progress, suffix } from './support.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    accounts: { type: 'string', default: '100' },
  },
});
const N = Number(args.events);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const ACCOUNTS = Number(args.accounts);

const id = suffix();
const stream = `BENCH_INGEST_${id}`;
const subjects = createSubjects(`bench${id}.ev`);
const nats = await connectNats({ url: NATS_URL, name: 'bench-ingest' });
await ensureStream(nats.jsm, { name: stream, subjects, duplicateWindowMs: 120_000, replicas: 1 });
const publisher = createPublisher({ js: nats.js, stream, subjects });
const [db, baseline, baselineInsert] = await Promise.all([
  freshDatabase('ingest'),
  freshDatabase('copy'),
  freshDatabase('insert'),
]);

try {
  console.log(
    `bench:ingest  events=${fmt(N)} accounts=${ACCOUNTS} (node ${process.version}, stream ${stream})`,
  );
  // 1. Publish rate (validated, de-duplicated, acknowledged). Events are generated in chunks,
  // as a worker would produce them, and only the publishing is timed.
  const source = simulateEvents({
    seed: 42,
    events: N,
    accounts: ACCOUNTS,
    conversationsPerAccount: 50,
    runId: `b${id}`,
  });
  let publishMs = 0;
  for (let done = 0; done < N; ) {
    const chunk = [];
    for (let j = 0; j < 10_000; j++) {
      const next = source.next();
      if (next.done) break;
      chunk.push(next.value);
    }
    const t0 = performance.now();
    await publisher.publishMany(chunk, 1024);
    publishMs += performance.now() - t0;
    done += chunk.length;
    progress('publish', done, N);
  }
  const publishS = publishMs / 1000;

  // 2. Projection rate over the stored log.
  const projector = createProjector(
    { sql: db.sql, js: nats.js, stream, subjects, log: silentLogger() },
    { batchSize: Number(process.env.BS ?? 5000) },
  );
  const timeline: { at: number; lastSeq: number }[] = [];
  projector.events.on('committed', (b: BatchCommitted) => {
    timeline.push({ at: performance.now(), lastSeq: b.lastSeq });
  });
  const t = performance.now();
  projector.start();
  const tick = setInterval(() => progress('project', projector.status().checkpoint, N), 1000);
  await projector.waitFor(N, 600_000);
  clearInterval(tick);
  progress('project', N, N);
  const projectS = (performance.now() - t) / 1000;

  // 3. Baseline: the same rows, COPY'd into the same tables with the same indexes, no log.
  const { seconds: baselineS, counts } = await timeBaselineCopy(db, baseline);
  const insertS = await timeBaselineInsert(db, baselineInsert);

  const projectRate = N / projectS;
  const baselineRate = N / baselineS;
  const insertRate = N / insertS;
  console.log(`publish        ${fmt(N)} events in ${fmt(publishS, 2)} s = ${fmt(N / publishS)} events/s`);
  console.log(
    `projection     ${fmt(N)} events in ${fmt(projectS, 2)} s = ${fmt(projectRate)} events/s (target ≥ 10,000)`,
  );
  console.log(
    `baseline COPY  same rows (${counts.join(', ')}) in ${fmt(baselineS, 2)} s = ${fmt(baselineRate)} events/s`,
  );
  console.log(
    `baseline INSERT same rows, multi-row INSERT of 1,000 rows a statement, in ${fmt(insertS, 2)} s = ${fmt(insertRate)} events/s`,
  );
  console.log(
    `ratio          projection / COPY baseline = ${fmt(projectRate / baselineRate, 2)}, projection / INSERT baseline = ${fmt(projectRate / insertRate, 2)} (target ≥ 0.5)`,
  );

  // 4. Capture-to-projected latency at a fixed, moderate rate.
  const total = RATE * SECONDS;
  const live = [
    ...simulateEvents({ seed: 43, events: total, accounts: ACCOUNTS, runId: `l${id}`, startAt: Date.now() }),
  ];
  const sentAt = new Map<number, number>();
  const start = performance.now();
  const acks: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    acks.push(publisher.publish(live[i]).then((r) => void sentAt.set(r.seq, t0)));
    if (i % RATE === 0) progress('latency', i, total);
  }
  await Promise.all(acks);
  progress('latency', total, total);
  await projector.waitFor(Math.max(...sentAt.keys()), 60_000);
  await projector.stop();
  const latencies: number[] = [];
  for (const [seq, t0] of sentAt) {
    let lo = 0;
    let hi = timeline.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (timeline[mid]!.lastSeq >= seq) hi = mid;
      else lo = mid + 1;
    }
    latencies.push(timeline[lo]!.at - t0);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `latency        capture→projected at ${fmt(RATE)} events/s for ${SECONDS} s (${fmt(latencies.length)} events): ` +
      `p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms, max ${fmt(latencies.at(-1)!, 1)} ms (target p99 ≤ 50 ms)`,
  );
} finally {
  await nats.jsm.streams.delete(stream).catch(() => {});
  await nats.nc.close();
  await db.drop();
  await baseline.drop();
  await baselineInsert.drop();
}

/** Multi-row INSERTs (postgres-js's `sql(rows)` helper) of every read-model row, timing only the inserts. */
async function timeBaselineInsert(from: typeof db, to: typeof baseline): Promise<number> {
  const payloads: { table: string; chunks: Record<string, unknown>[][] }[] = [];
  for (const table of Object.keys(READ_MODEL_TABLES)) {
    const rows = [...(await from.sql.unsafe(`select * from "${table}"`))] as Record<string, unknown>[];
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < rows.length; i += 1000) chunks.push(rows.slice(i, i + 1000));
    payloads.push({ table, chunks });
  }
  const t0 = performance.now();
  for (const { table, chunks } of payloads) {
    for (const chunk of chunks) await to.sql`insert into ${to.sql(table)} ${to.sql(chunk)}`;
  }
  return (performance.now() - t0) / 1000;
}

/** COPYs every read-model row of the projected database into the empty baseline one, timing only the COPY. */
async function timeBaselineCopy(
  from: typeof db,
  to: typeof baseline,
): Promise<{ seconds: number; counts: string[] }> {
  const tables = Object.keys(READ_MODEL_TABLES);
  const payloads: { table: string; cols: string[]; chunks: string[] }[] = [];
  const counts: string[] = [];
  for (const table of tables) {
    const rows = await from.sql.unsafe(`select * from "${table}"`);
    const cols = rows.columns.map((c) => c.name);
    counts.push(`${table} ${fmt(rows.length)}`);
    const chunks: string[] = [];
    for (let i = 0; i < rows.length; i += 1000) {
      chunks.push(
        rows
          .slice(i, i + 1000)
          .map((r) => `${cols.map((c) => copyValue(r[c])).join('\t')}\n`)
          .join(''),
      );
    }
    payloads.push({ table, cols, chunks });
  }
  const t0 = performance.now();
  for (const { table, cols, chunks } of payloads) {
    if (chunks.length === 0) continue;
    const copy = await to.sql
      .unsafe(`copy "${table}" (${cols.map((c) => `"${c}"`).join(',')}) from stdin`)
      .writable();
    await pipeline(Readable.from(chunks), copy);
  }
  return { seconds: (performance.now() - t0) / 1000, counts };
}
