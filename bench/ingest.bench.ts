/**
 * bench:ingest — publish N events, project them, and compare with bulk-loading the same rows
 * into the same tables (COPY, same indexes) without the log; then capture-to-projected
 * latency at a fixed rate.
 *
 *   npm run bench:ingest -- --events 200000 --rate 1000 --seconds 10 [--accounts 100] [--batch 10000]
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { READ_MODEL_TABLES } from '../src/db/checksum.js';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { ensureStream } from '../src/log/stream.js';
import { createSubjects } from '../src/log/subjects.js';
import { silentLogger } from '../src/logger.js';
import { type BatchCommitted, createProjector } from '../src/projections/projector.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { copyValue, fmt, freshDatabase, NATS_URL, percentile, progress, suffix, take } from './support.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    accounts: { type: 'string', default: '100' },
    batch: { type: 'string', default: String(loadConfig({}).PROJECTOR_BATCH_SIZE) },
  },
});
const N = Number(args.events);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const ACCOUNTS = Number(args.accounts);
const BATCH = Number(args.batch);

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
    `bench:ingest  events=${fmt(N)} accounts=${ACCOUNTS} batch=${fmt(BATCH)} (node ${process.version}, stream ${stream})`,
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
    const chunk = take(source, 10_000);
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
    { batchSize: BATCH },
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

  // The rows the projection produced: the baselines load exactly these, at the end.
  const rows = await readRows(db);

  // 3. Capture-to-projected latency at a fixed, moderate rate, on the projected database.
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

  // 4. Baselines: the same rows into the same tables with the same indexes, no log.
  const copyS = await timeCopy(rows, baseline);
  const insertS = await timeInsert(rows, baselineInsert);

  const projectRate = N / projectS;
  const copyRate = N / copyS;
  const insertRate = N / insertS;
  const counts = rows.map((r) => `${r.table} ${fmt(r.rows.length)}`).join(', ');
  console.log(`publish        ${fmt(N)} events in ${fmt(publishS, 2)} s = ${fmt(N / publishS)} events/s`);
  console.log(
    `projection     ${fmt(N)} events in ${fmt(projectS, 2)} s = ${fmt(projectRate)} events/s (target ≥ 10,000)`,
  );
  console.log(`baseline COPY  same rows (${counts}) in ${fmt(copyS, 2)} s = ${fmt(copyRate)} events/s`);
  console.log(
    `baseline INSERT same rows, multi-row INSERT of 1,000 rows a statement, in ${fmt(insertS, 2)} s = ${fmt(insertRate)} events/s`,
  );
  console.log(
    `ratio          projection / COPY baseline = ${fmt(projectRate / copyRate, 2)}, ` +
      `projection / INSERT baseline = ${fmt(projectRate / insertRate, 2)} (target ≥ 0.5)`,
  );
  console.log(
    `latency        capture→projected at ${fmt(RATE)} events/s for ${SECONDS} s (${fmt(latencies.length)} events): ` +
      `p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms, ` +
      `max ${fmt(latencies.at(-1)!, 1)} ms (target p99 ≤ 50 ms)`,
  );
} finally {
  await nats.jsm.streams.delete(stream).catch(() => {});
  await nats.nc.close();
  await db.drop();
  await baseline.drop();
  await baselineInsert.drop();
}

type TableRows = { table: string; columns: string[]; rows: Record<string, unknown>[] };

async function readRows(from: typeof db): Promise<TableRows[]> {
  const out: TableRows[] = [];
  for (const table of Object.keys(READ_MODEL_TABLES)) {
    const result = await from.sql.unsafe(`select * from "${table}"`);
    out.push({
      table,
      columns: result.columns.map((c) => c.name),
      rows: [...result] as Record<string, unknown>[],
    });
  }
  return out;
}

/** COPY, with the text prepared beforehand: only the COPY itself is timed. */
async function timeCopy(tables: TableRows[], to: typeof baseline): Promise<number> {
  const payloads = tables.map(({ table, columns, rows }) => {
    const chunks: string[] = [];
    for (let i = 0; i < rows.length; i += 1000) {
      chunks.push(
        rows
          .slice(i, i + 1000)
          .map((r) => `${columns.map((c) => copyValue(r[c])).join('\t')}\n`)
          .join(''),
      );
    }
    return { table, columns, chunks };
  });
  const t0 = performance.now();
  for (const { table, columns, chunks } of payloads) {
    if (chunks.length === 0) continue;
    const copy = await to.sql
      .unsafe(`copy "${table}" (${columns.map((c) => `"${c}"`).join(',')}) from stdin`)
      .writable();
    await pipeline(Readable.from(chunks), copy);
  }
  return (performance.now() - t0) / 1000;
}

/** Multi-row INSERTs (postgres-js's `sql(rows)` helper), 1,000 rows a statement. */
async function timeInsert(tables: TableRows[], to: typeof baseline): Promise<number> {
  const t0 = performance.now();
  for (const { table, rows } of tables) {
    for (let i = 0; i < rows.length; i += 1000) {
      await to.sql`insert into ${to.sql(table)} ${to.sql(rows.slice(i, i + 1000))}`;
    }
  }
  return (performance.now() - t0) / 1000;
}
