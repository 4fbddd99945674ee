/**
 * bench:partitions — ingest end to end (publish + project) on a log of P partitions, for each P
 * in one run: N events over 1,000 accounts are published while one projector per partition (all
 * in this process, as `serve` runs them) applies them. Prints events/s per P, the ratio to P = 1
 * (the same-run baseline), and the CPU time the Node process, Postgres and NATS spent, to show
 * which one is the bottleneck.
 *
 *   npm run bench:partitions -- --events 200000 [--accounts 1000] [--partitions 1,2,4] [--batch 25000]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import type { HubEvent } from '../src/events/index.js';
import { connectNats } from '../src/log/connect.js';
import { createPartitions } from '../src/log/partitions.js';
import { createPublisher } from '../src/log/publisher.js';
import { ensurePartitionStreams } from '../src/log/stream.js';
import { silentLogger } from '../src/logger.js';
import { createProjector } from '../src/projections/projector.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { fmt, freshDatabase, NATS_URL, progress, suffix, take } from './support.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    accounts: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '1,2,4' },
    batch: { type: 'string', default: String(loadConfig({}).PROJECTOR_BATCH_SIZE) },
  },
});
const N = Number(args.events);
const ACCOUNTS = Number(args.accounts);
const COUNTS = args.partitions.split(',').map(Number);
const BATCH = Number(args.batch);

const TICKS = 100; // clock ticks a second in /proc (USER_HZ)

/** CPU ticks used so far by each live process with this command name. */
function ticksOf(command: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== command) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, Number(fields[11]) + Number(fields[12])); // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/**
 * CPU seconds the processes named `command` used since `before` (machine-wide: every user's;
 * a process that ended in between is not counted).
 */
function cpuSince(command: string, before: Map<string, number>): number {
  let ticks = 0;
  for (const [pid, t] of ticksOf(command)) ticks += t - (before.get(pid) ?? 0);
  return ticks / TICKS;
}

interface Run {
  partitions: number;
  publishS: number;
  totalS: number;
  cpu: { node: number; postgres: number; nats: number };
  spread: number[];
}

const nats = await connectNats({ url: NATS_URL, name: 'bench-partitions' });
console.log(
  `bench:partitions  events=${fmt(N)} accounts=${fmt(ACCOUNTS)} partitions=${COUNTS.join(',')} batch=${fmt(BATCH)} ` +
    `(node ${process.version}; one process publishes and runs every partition's projector)`,
);

async function runOnce(count: number): Promise<Run> {
  const id = suffix();
  const partitions = createPartitions({ stream: `BENCH_PART_${id}`, prefix: `benchpart${id}.ev`, count });
  await ensurePartitionStreams(nats.jsm, partitions, { duplicateWindowMs: 120_000, replicas: 1 });
  const db = await freshDatabase(`part${count}`);
  try {
    const projectors = partitions.list.map((p) =>
      createProjector(
        { sql: db.sql, js: nats.js, stream: p.stream, subjects: p.subjects, log: silentLogger() },
        {
          name: p.projector,
          batchSize: BATCH,
          partition: count > 1 ? { owns: (a) => partitions.of(a).index === p.index } : undefined,
        },
      ),
    );
    for (const p of projectors) p.start();
    const publisher = createPublisher({ js: nats.js, partitions });
    const source = simulateEvents({
      seed: 42,
      events: N,
      accounts: ACCOUNTS,
      conversationsPerAccount: 20,
      runId: `p${id}`,
    });
    // the same events for every P: generate them before the clock starts
    const chunks: HubEvent[][] = [];
    for (let chunk = take(source, 10_000); chunk.length > 0; chunk = take(source, 10_000)) chunks.push(chunk);

    const cpu0 = { node: process.cpuUsage(), postgres: ticksOf('postgres'), nats: ticksOf('nats-server') };
    const t0 = performance.now();
    let published = 0;
    for (const chunk of chunks) {
      await publisher.publishMany(chunk, 1024);
      published += chunk.length;
      progress(`P=${count} publish`, published, N);
    }
    const publishS = (performance.now() - t0) / 1000;
    const ends = await Promise.all(
      partitions.list.map(async (p) => (await nats.jsm.streams.info(p.stream)).state.last_seq),
    );
    const tick = setInterval(() => {
      const done = projectors.reduce((a, p) => a + p.status().checkpoint, 0);
      progress(`P=${count} project`, done, N);
    }, 1000);
    await Promise.all(projectors.map((p, i) => p.waitFor(ends[i]!, 1_800_000)));
    clearInterval(tick);
    progress(`P=${count} project`, N, N);
    const totalS = (performance.now() - t0) / 1000;
    const node = process.cpuUsage(cpu0.node);
    const cpu = {
      node: (node.user + node.system) / 1e6,
      postgres: cpuSince('postgres', cpu0.postgres),
      nats: cpuSince('nats-server', cpu0.nats),
    };
    await Promise.all(projectors.map((p) => p.stop()));
    return { partitions: count, publishS, totalS, cpu, spread: ends };
  } finally {
    await db.drop();
    for (const p of partitions.list) await nats.jsm.streams.delete(p.stream).catch(() => {});
  }
}

try {
  const runs: Run[] = [];
  for (const count of COUNTS) runs.push(await runOnce(count));
  const base = runs[0]!;
  for (const r of runs) {
    const rate = N / r.totalS;
    const share = (s: number) => `${fmt(s, 1)} s (${fmt((s / r.totalS) * 100)}% of a core)`;
    console.log(
      `P=${r.partitions}  ingest ${fmt(N)} events in ${fmt(r.totalS, 2)} s = ${fmt(rate)} events/s end to end ` +
        `(publish alone ${fmt(N / r.publishS)} events/s); ratio to P=${base.partitions}: ${fmt(rate / (N / base.totalS), 2)}`,
    );
    console.log(
      `     events per partition ${r.spread.map((n) => fmt(n)).join(' / ')}; CPU over the run: node ${share(r.cpu.node)}, ` +
        `postgres ${share(r.cpu.postgres)}, nats ${share(r.cpu.nats)} (machine-wide: other users' work counts too)`,
    );
  }
  console.log(`machine: ${cpus().length} cores; figures on a shared machine are noisy`);
} finally {
  await nats.nc.close();
}
