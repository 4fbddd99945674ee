/**
 * bench:rebuild — a log of N events of every type over many accounts, published to JetStream;
 * then, in the same run: the time to read it with the NATS client alone (a plain ordered
 * consumer, no projection: the floor of any replay), `rebuild` of the read models from it (in a
 * process of its own, for its peak memory), then `audit export` of the whole log to an NDJSON
 * file (`runExport`, the command's own code, in a process of its own with the command's Node
 * options: the chain recomputed and checked against the checkpoints the rebuild stored). The database starts empty: the rebuild swaps its tables into
 * an empty `public`.
 *
 *   npm run bench:rebuild -- --events 1000000 --accounts 1000
 *   (CI smoke: --events 5000)
 */
import { fork } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BULK_NODE_OPTIONS } from '../src/cli/bulk-process.js';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { readRange } from '../src/log/range-reader.js';
import { ensureStream } from '../src/log/stream.js';
import { createSubjects } from '../src/log/subjects.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { withClientActions } from '../src/worker/simulate-actions.js';
import type { ExportResult, ExportStart } from './export-child.js';
import type { RebuildResult, RebuildStart } from './rebuild-child.js';
import { fmt, freshDatabase, NATS_URL, publishAll, suffix } from './support.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    accounts: { type: 'string', default: '1000' },
    conversations: { type: 'string', default: '50' },
    batch: { type: 'string', default: '25000' },
    'export-to': { type: 'string' },
  },
});
const N = Number(args.events);
const ACCOUNTS = Number(args.accounts);
const CONVERSATIONS = Number(args.conversations);
const BATCH = Number(args.batch);
const REBUILD_TARGET = 25_000;
const EXPORT_TARGET = 50_000;
const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`;
const now = () => performance.now();

/** The machine's CPU time so far, busy and idle, in core-seconds (Linux's /proc/stat; else null). */
async function machineCpu(): Promise<{ busy: number; idle: number } | null> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => null);
  const line = stat?.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  // user nice system idle iowait irq softirq …, in clock ticks (USER_HZ, 100 a second)
  const [user = 0, nice = 0, system = 0, idleTicks = 0, iowait = 0, irq = 0, softirq = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = idleTicks + iowait;
  const busy = user + nice + system + irq + softirq;
  return { busy: busy / 100, idle: idle / 100 };
}

function diffCpu(
  a: { busy: number; idle: number } | null,
  b: { busy: number; idle: number } | null,
): { busy: number; idle: number } | null {
  return a && b ? { busy: b.busy - a.busy, idle: b.idle - a.idle } : null;
}

/**
 * Forks `script` (next to this file) with the Node options the commands run with
 * (`BULK_NODE_OPTIONS`) and `execArgv`; the function returned sends it its start message and
 * resolves to the one result it sends back.
 */
function forkChild<Start extends { type: 'start' }, Result>(
  script: string,
  what: string,
  execArgv: string[] = [],
) {
  const child = fork(new URL(script, import.meta.url), [], {
    execArgv: [...process.execArgv, ...execArgv, ...BULK_NODE_OPTIONS],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const result = new Promise<Result>((resolve, reject) => {
    child.once('message', (m: Result) => resolve(m));
    child.once('exit', (code) => reject(new Error(`the ${what} process exited with ${code}`)));
  });
  result.catch(() => {}); // awaited by the caller once it has sent the start
  return (start: Start): Promise<Result> => {
    child.send(start);
    return result;
  };
}

const id = suffix();
const stream = `BENCH_REBUILD_${id}`;
const subjects = createSubjects(`brebuild${id}.ev`);
const nats = await connectNats({ url: NATS_URL, name: 'bench-rebuild' });
await ensureStream(nats.jsm, { name: stream, subjects, duplicateWindowMs: 120_000, replicas: 1 });
const db = await freshDatabase('rebuild');
const exportPath = args['export-to'] ?? join(tmpdir(), `bench-rebuild-${id}.ndjson`);

try {
  console.log(
    `bench:rebuild  events=${fmt(N)} accounts=${fmt(ACCOUNTS)} conversations/account=${CONVERSATIONS} ` +
      `batch=${fmt(BATCH)} (node ${process.version}, ${availableParallelism()} cores, stream ${stream})`,
  );

  // 1. The log: workers' events with operators' actions and profile observations among them.
  const publisher = createPublisher({ js: nats.js, stream, subjects });
  const source = withClientActions(
    simulateEvents({
      seed: 42,
      events: N,
      accounts: ACCOUNTS,
      conversationsPerAccount: CONVERSATIONS,
      runId: `r${id}`,
    }),
    { seed: 43 },
  );
  const published = await publishAll(publisher, source, N);
  console.log(
    `publish        ${fmt(N)} events in ${fmt(published.seconds, 1)} s = ${fmt(N / published.seconds)} events/s`,
  );
  console.log(`mix            ${published.types} event types: ${published.mix}`);
  const last = (await nats.jsm.streams.info(stream)).state.last_seq;

  // 2. The floor: the same stream read by the NATS client alone.
  const t = now();
  let read = 0;
  let bytes = 0;
  for await (const m of readRange({ js: nats.js, jsm: nats.jsm, stream }, { fromSeq: 1, toSeq: last })) {
    read++;
    bytes += m.data.length;
  }
  const readS = (now() - t) / 1000;
  console.log(
    `nats read      ${fmt(read)} events (${mb(bytes)} of bodies) in ${fmt(readS, 1)} s = ${fmt(read / readS)} events/s ` +
      '(ordered consumer, no projection)',
  );

  // 3. The rebuild, in a process of its own (--expose-gc: the live heap is measured after a full
  // collection at each quarter).
  const rebuild = forkChild<RebuildStart, RebuildResult>('./rebuild-child.ts', 'rebuild', ['--expose-gc']);
  const start: RebuildStart = {
    type: 'start',
    databaseUrl: db.url,
    natsUrl: NATS_URL,
    stream,
    subjectPrefix: subjects.prefix,
    batchSize: BATCH,
  };
  const machineBefore = await machineCpu();
  const { report, maxRss, rssAt, liveAt, cpuSeconds } = await rebuild(start);
  const machine = diffCpu(machineBefore, await machineCpu());
  const s = report.seconds;
  const rate = report.seq / s.total;
  const rows = Object.fromEntries(report.rows.map((r) => [r.table, r.after]));
  console.log(
    `rebuild        ${fmt(report.seq)} events in ${fmt(s.total, 1)} s = ${fmt(rate)} events/s ` +
      `(target ≥ ${fmt(REBUILD_TARGET)}: ${pass(rate >= REBUILD_TARGET)}); ` +
      `replay ${fmt(s.replay, 1)} s (${fmt(report.seq / s.replay)} events/s), indexes ${fmt(s.indexes, 1)} s, ` +
      `catch-up ${fmt(s.catchUp, 1)} s, switch ${fmt(s.paused, 2)} s (swap ${fmt(s.swap * 1000)} ms), drop ${fmt(s.drop, 1)} s`,
  );
  console.log(
    `               ${fmt(rows.messages ?? 0)} messages, ${fmt(rows.message_edits ?? 0)} edits, ` +
      `${fmt(rows.conversations ?? 0)} conversations, ${fmt(rows.users ?? 0)} users, ${fmt(rows.accounts ?? 0)} accounts, ` +
      `${fmt(rows.blocked_users ?? 0)} blocked, ${fmt(rows.action_outcomes ?? 0)} action outcomes`,
  );
  const mbs = (xs: number[]) => xs.map((x) => fmt(x / 1024 / 1024)).join(' / ');
  console.log(
    `memory         rebuild process peak RSS ${mb(maxRss)}; at 25/50/75/100% of the replay RSS ${mbs(rssAt)} MB, ` +
      `heap in use after a full GC ${mbs(liveAt)} MB (target: flat in the number of events)`,
  );

  if (machine) {
    const cores = availableParallelism();
    console.log(
      `cpu            rebuild process ${fmt(cpuSeconds, 1)} s (${fmt(cpuSeconds / s.total, 2)} cores); whole machine busy ` +
        `${fmt(machine.busy, 1)} of ${fmt(machine.busy + machine.idle, 1)} core-seconds (${fmt((machine.busy / (machine.busy + machine.idle)) * 100)}% ` +
        `of ${cores} cores; Postgres and NATS included)`,
    );
  }

  // 4. `audit export` of the whole log to a file, as the command runs it (its code, in a process
  // with its Node options): the chain recomputed from the log and checked against the
  // checkpoints the rebuild stored.
  const exporter = forkChild<ExportStart, ExportResult>('./export-child.ts', 'export');
  const exportStart: ExportStart = {
    type: 'start',
    databaseUrl: db.url,
    natsUrl: NATS_URL,
    stream,
    subjectPrefix: subjects.prefix,
    out: exportPath,
  };
  const { exitCode, seconds: exportS, cpuSeconds: exportCpu } = await exporter(exportStart);
  const exportRate = last / exportS;
  const size = (await stat(exportPath)).size;
  console.log(
    `export ndjson  ${fmt(last)} events, ${mb(size)} to ${args['export-to'] ?? 'a temporary file'} in ` +
      `${fmt(exportS, 1)} s = ${fmt(exportRate)} events/s (target ≥ ${fmt(EXPORT_TARGET)}: ${pass(exportRate >= EXPORT_TARGET)}); ` +
      `audit export with the chain, exit ${exitCode}; its process used ${fmt(exportCpu, 1)} s of CPU`,
  );
  console.log(
    `ratio          rebuild / nats read = ${fmt(rate / (read / readS), 2)}, export / nats read = ${fmt(exportRate / (read / readS), 2)}`,
  );
} finally {
  if (!args['export-to']) await rm(exportPath, { force: true }).catch(() => {});
  await nats.jsm.streams.delete(stream).catch(() => {});
  await nats.nc.close();
  await db.drop();
}
