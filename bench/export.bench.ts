/**
 * bench:export — the cost of the audit chain and of an export: publish N events, project them
 * (the chain is computed in the projector's batches), then `audit export` of the whole log to a
 * file and `audit verify-export` of it, in this process, with the memory they take.
 *
 *   npm run bench:export -- --events 200000
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createAuditLog } from '../src/audit/audit-log.js';
import { runExport } from '../src/audit/commands.js';
import { verifyExport } from '../src/audit/verify.js';
import { chainHash, GENESIS_HASH } from '../src/log/chain.js';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { ensureStream } from '../src/log/stream.js';
import { createSubjects } from '../src/log/subjects.js';
import { silentLogger } from '../src/logger.js';
import { createProjector } from '../src/projections/projector.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { fmt, freshDatabase, NATS_URL, progress, suffix, take } from './support.js';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '200000' } } });
const N = Number(args.events);
const EVERY = 1000;

const id = suffix();
const stream = `BENCH_EXPORT_${id}`;
const subjects = createSubjects(`bench${id}.ev`);
const nats = await connectNats({ url: NATS_URL, name: 'bench-export' });
await ensureStream(nats.jsm, { name: stream, subjects, duplicateWindowMs: 120_000, replicas: 1 });
const db = await freshDatabase('export');
const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
const file = join(dir, 'export.ndjson');

/** The largest resident set seen while `work` runs, above what it was before. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; mb: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await work();
    return { result, mb: (peak - before) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

try {
  console.log(`bench:export  events=${fmt(N)} checkpoint every ${fmt(EVERY)} (node ${process.version})`);
  const publisher = createPublisher({ js: nats.js, stream, subjects });
  const source = simulateEvents({ seed: 7, events: N, accounts: 100, runId: `bx${id}` });
  for (let done = 0; done < N; ) {
    const chunk = take(source, 5000);
    await publisher.publishMany(chunk);
    done += chunk.length;
    progress('publish', done, N);
  }

  const projector = createProjector(
    { sql: db.sql, js: nats.js, stream, subjects, log: silentLogger() },
    { chainCheckpointEvery: EVERY },
  );
  const t0 = performance.now();
  projector.start();
  while (projector.status().checkpoint < N) await new Promise((r) => setTimeout(r, 50));
  const projectS = (performance.now() - t0) / 1000;
  await projector.stop();
  console.log(
    `projection     ${fmt(N)} events with the chain in ${fmt(projectS, 2)} s = ${fmt(N / projectS)} events/s`,
  );

  // the chain's own cost: SHA-256 of the stored bytes, as the projector does it per event
  const sample = [...simulateEvents({ seed: 8, events: 20_000, runId: 'x' })].map((e, i) => ({
    seq: i + 1,
    storedNs: 1_761_000_000_000_000_000n + BigInt(i),
    subject: subjects.event(e.account_id, e.type),
    data: Buffer.from(JSON.stringify(e)),
  }));
  const t1 = performance.now();
  let h = GENESIS_HASH;
  for (const e of sample) h = chainHash(h, e);
  const perEventUs = ((performance.now() - t1) * 1000) / sample.length;
  const avgBytes = sample.reduce((s, e) => s + e.data.length, 0) / sample.length;
  console.log(`chain hash     ${fmt(perEventUs, 2)} µs an event of ${fmt(avgBytes)} bytes`);

  const audit = createAuditLog({
    sql: db.sql,
    js: nats.js,
    jsm: nats.jsm,
    stream,
    subjects,
    checkpointEvery: EVERY,
  });
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const t2 = performance.now();
  const exported = await peakRss(() =>
    runExport(audit, { out: file }, { stdout: quiet, stderr: { isTTY: false, write: () => true } }),
  );
  const exportS = (performance.now() - t2) / 1000;
  const bytes = statSync(file).size;
  console.log(
    `export         ${fmt(N)} events, ${fmt(bytes / 2 ** 20, 1)} MB in ${fmt(exportS, 2)} s = ${fmt(N / exportS)} events/s, ` +
      `${fmt(bytes / 2 ** 20 / exportS, 1)} MB/s; memory +${fmt(exported.mb, 1)} MB (exit ${exported.result})`,
  );

  const t3 = performance.now();
  const verified = await peakRss(() => verifyExport(createReadStream(file)));
  const verifyS = (performance.now() - t3) / 1000;
  console.log(
    `verify-export  ${fmt(verified.result.events)} events in ${fmt(verifyS, 2)} s = ${fmt(N / verifyS)} events/s, ` +
      `${verified.result.ok ? 'OK' : 'FAILED'}; memory +${fmt(verified.mb, 1)} MB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await nats.jsm.streams.delete(stream).catch(() => {});
  await nats.nc.close();
  await db.drop();
}
