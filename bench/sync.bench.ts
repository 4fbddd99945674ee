/**
 * bench:sync — a log of N events over many accounts, published to JetStream and projected by
 * the real projector; then sync pages (limit 500) from random cursors, each beside the bare
 * indexed SQL that reads the same message rows, in the same run; then live fan-out: many
 * Server-Sent Events clients on one account while captures arrive at a fixed rate. The clients
 * (bench/sse-clients.ts) and the capture worker (bench/sync-publisher.ts) run in processes of
 * their own; the API, the live hub and the projector share this one, as in `src/main.ts`.
 *
 *   npm run bench:sync -- --events 1000000 --accounts 1000 --samples 2000 --clients 1000 --rate 500 --seconds 10
 *   (CI smoke: --events 20000 --samples 300 --clients 50 --seconds 3)
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp } from '../src/api/create-app.js';
import { createKeyStore } from '../src/auth/key-store.js';
import { loadConfig } from '../src/config.js';
import { conversationId, type HubEvent, messageId } from '../src/events/index.js';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { ensureStream } from '../src/log/stream.js';
import { createSubjects } from '../src/log/subjects.js';
import { silentLogger } from '../src/logger.js';
import { type BatchCommitted, createProjector } from '../src/projections/projector.js';
import { devicesBucket } from '../src/sync/devices.js';
import { createSync, type Sync } from '../src/sync/index.js';
import { createRandom, type Random, simulateEvents } from '../src/worker/simulate.js';
import { bearer, insertTestKey, type TestKey } from '../test/support/keys.js';
import { startClients } from './sse-clients.js';
import { fmt, freshDatabase, NATS_URL, percentile, progress, publishAll, suffix } from './support.js';
import type { Published, PublishOrder, PublishProgress } from './sync-publisher.js';

const config = loadConfig({});
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    accounts: { type: 'string', default: '1000' },
    limit: { type: 'string', default: '500' },
    samples: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    clients: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    batch: { type: 'string', default: String(config.PROJECTOR_BATCH_SIZE) },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(args.events);
const ACCOUNTS = Number(args.accounts);
const LIMIT = Number(args.limit);
const SAMPLES = Number(args.samples);
const WARMUP = Number(args.warmup);
const CLIENTS = Number(args.clients);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const BATCH = Number(args.batch);
const PAGE_TARGET_MS = 25;
const RATIO_TARGET = 2;
const FANOUT_TARGET_MS = 100;
/** The columns of `messages` a sync page sends. */
const BARE_COLUMNS =
  'id, account_id, conversation_id, platform_message_id, platform_conversation_id, channel, direction, ' +
  'sender_id, content, message_type, reply_to, created_at, captured_at, edited, edited_at, recalled, ' +
  'recalled_at, version, capture_seq, read_at';

/** CLOCK_MONOTONIC in ms: the same clock in the helper processes. */
const now = () => Number(process.hrtime.bigint()) / 1e6;
const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const rnd = createRandom(7);
const id = suffix();
const stream = `BENCH_SYNC_${id}`;
const subjects = createSubjects(`bsync${id}.ev`);
const nats = await connectNats({ url: NATS_URL, name: 'bench-sync' });
await ensureStream(nats.jsm, { name: stream, subjects, duplicateWindowMs: 120_000, replicas: 1 });
const publisher = createPublisher({ js: nats.js, stream, subjects });
const db = await freshDatabase('sync');
const projector = createProjector(
  { sql: db.sql, js: nats.js, stream, subjects, log: silentLogger() },
  { batchSize: BATCH },
);
let sync: Sync | undefined;
let server: ReturnType<typeof serve> | undefined;
let failed = false;
/** The reader key the bench's requests and live-stream clients send. */
let key: TestKey | undefined;
/** When each projector batch committed (for the capture→commit baseline). */
const committed: { at: number; lastSeq: number }[] = [];

try {
  console.log(
    `bench:sync  events=${fmt(N)} accounts=${fmt(ACCOUNTS)} limit=${LIMIT} samples=${fmt(SAMPLES)} ` +
      `clients=${fmt(CLIENTS)} rate=${fmt(RATE)}/s seconds=${SECONDS} batch=${fmt(BATCH)} ` +
      `(node ${process.version}, ${machineCores()} cores, stream ${stream})`,
  );

  // 1. The log: a worker's realistic stream plus the operators' mark-reads, really published.
  const source = withMarkReads(
    simulateEvents({ seed: 42, events: N, accounts: ACCOUNTS, conversationsPerAccount: 50, runId: `b${id}` }),
    createRandom(43),
    N,
  );
  const published = await publishAll(publisher, source, N);
  console.log(
    `publish        ${fmt(N)} events (${published.mix}) in ${fmt(published.seconds, 1)} s = ${fmt(N / published.seconds)} events/s`,
  );

  // 2. The read models, by the real projector (it keeps running for the live part).
  projector.events.on('committed', (b: BatchCommitted) => {
    committed.push({ at: now(), lastSeq: b.lastSeq });
  });
  let t = now();
  projector.start();
  const tick = setInterval(() => progress('project', projector.status().checkpoint, N), 1000);
  const projected = await projector.waitFor(N, 3_600_000);
  clearInterval(tick);
  if (!projected) throw new Error(`the projector did not reach ${N} within an hour`);
  progress('project', N, N);
  const projectS = (now() - t) / 1000;
  t = now();
  await db.sql`vacuum analyze`;
  const [size] = await db.sql<{ messages: number; conversations: number; table: string }[]>`
    select (select count(*) from messages)::int as messages, (select count(*) from conversations)::int as conversations,
      pg_size_pretty(pg_table_size('messages')) as table`;
  console.log(
    `projection     ${fmt(N)} events in ${fmt(projectS, 1)} s = ${fmt(N / projectS)} events/s ` +
      `(${fmt(size!.messages)} messages, ${fmt(size!.conversations)} conversations, messages table ${size!.table}; ` +
      `then vacuum analyze ${fmt((now() - t) / 1000, 1)} s)`,
  );

  // 3. Sync pages from random cursors, each beside the bare query, interleaved.
  sync = await createSync({
    db: db.db,
    sql: db.sql,
    js: nats.js,
    jsm: nats.jsm,
    stream,
    subjects,
    projector: projector.name,
    log: silentLogger(),
  });
  let joined = 0;
  const live = sync.live;
  // a reader of every account, as a CRM client would hold
  key = await insertTestKey(db, { role: 'reader', name: 'bench-sync' });
  const app = createApp({
    db: db.db,
    log: silentLogger(),
    keys: createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() }),
    readiness: async () => {
      throw new Error('readiness is not part of this bench');
    },
    // counts the SSE connections that have joined their account's live group
    sync: {
      ...sync,
      live: {
        ...live,
        async connect(accountId, cursor, sink) {
          const c = await live.connect(accountId, cursor, sink);
          joined++;
          return c;
        },
      },
    },
  });
  const checkpoint = await sync.checkpoint('dy_10001'); // one partition: any account's checkpoint;
  const cases = await pageCases(checkpoint, WARMUP + SAMPLES);
  const bareText = `select ${BARE_COLUMNS} from messages
    where account_id = $1 and version > $2 and version <= $3 and capture_seq is not null
    order by version limit ${LIMIT}`;
  const bare = (c: PageCase) =>
    db.sql.unsafe<{ id: string; version: number }[]>(bareText, [c.account, c.cursor, checkpoint], {
      prepare: true,
    });
  const page = async (c: PageCase) => {
    const res = await app.request(
      `/api/v1/messages/sync?account_id=${encodeURIComponent(c.account)}&cursor=${c.cursor}&limit=${LIMIT}`,
      { headers: bearer(key!) },
    );
    if (res.status !== 200) throw new Error(`sync page: HTTP ${res.status} ${await res.text()}`);
    return res.text();
  };
  const plan = await db.sql.unsafe(`explain (format json) ${bareText}`, [
    cases[0]!.account,
    cases[0]!.cursor,
    checkpoint,
  ]);
  const indexes = [...JSON.stringify(plan).matchAll(/"Index Name":\s*"([^"]+)"/g)].map((m) => m[1]);
  const pageMs: number[] = [];
  const bareMs: number[] = [];
  const totals = { messages: 0, deleted: 0, reads: 0, conversations: 0, bareRows: 0, full: 0, mismatched: 0 };
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    let p0: number;
    let p1: number;
    let b0: number;
    let b1: number;
    let body: string;
    let rows: { id: string; version: number }[];
    // alternate which goes first, so neither always finds the other's pages in cache
    if (i % 2 === 0) {
      p0 = now();
      body = await page(c);
      p1 = b0 = now();
      rows = await bare(c);
      b1 = now();
    } else {
      b0 = now();
      rows = await bare(c);
      b1 = p0 = now();
      body = await page(c);
      p1 = now();
    }
    if (i < WARMUP) continue;
    pageMs.push(p1 - p0);
    bareMs.push(b1 - b0);
    // the page's messages are exactly the bare rows up to its next_cursor
    const json = JSON.parse(body) as SyncPageJson;
    const ids = new Set([...json.messages.map((m) => m.id), ...json.deleted_message_ids]);
    const within = rows.filter((r) => r.version <= json.next_cursor);
    if (within.length !== ids.size || within.some((r) => !ids.has(r.id))) totals.mismatched++;
    totals.messages += json.messages.length;
    totals.deleted += json.deleted_message_ids.length;
    totals.reads += json.read_changes.length;
    totals.conversations += json.conversations.length;
    totals.bareRows += rows.length;
    if (json.has_more) totals.full++;
    if ((i - WARMUP + 1) % 100 === 0 || i === cases.length - 1)
      progress('sync pages', i - WARMUP + 1, SAMPLES);
  }
  pageMs.sort((a, b) => a - b);
  bareMs.sort((a, b) => a - b);
  const avg = (n: number) => fmt(n / SAMPLES, 0);
  const [pp50, pp99, bp50, bp99] = [
    percentile(pageMs, 50),
    percentile(pageMs, 99),
    percentile(bareMs, 50),
    percentile(bareMs, 99),
  ];
  console.log(
    `sync page      GET /api/v1/messages/sync?limit=${LIMIT} via app.request, body read (${fmt(SAMPLES)} random cursors ` +
      `on ${fmt(new Set(cases.slice(WARMUP).map((c) => c.account)).size)} accounts, after ${fmt(WARMUP)} warm-up; ${fmt((totals.full / SAMPLES) * 100)}% full pages; ` +
      `avg ${avg(totals.messages)} messages, ${avg(totals.deleted)} deleted, ${avg(totals.reads)} read changes, ${avg(totals.conversations)} conversations): ` +
      `p50 ${fmt(pp50, 1)} ms, p99 ${fmt(pp99, 1)} ms, max ${fmt(pageMs.at(-1)!, 1)} ms ` +
      `(target p99 ≤ ${PAGE_TARGET_MS} ms: ${pass(pp99 <= PAGE_TARGET_MS)})`,
  );
  console.log(
    `bare SQL       one prepared statement, same filters, on ${indexes.join(', ') || 'no index'}, same pool, same cursors ` +
      `(avg ${avg(totals.bareRows)} rows): p50 ${fmt(bp50, 1)} ms, p99 ${fmt(bp99, 1)} ms, max ${fmt(bareMs.at(-1)!, 1)} ms`,
  );
  console.log(
    `ratio          page / bare SQL: p50 ${fmt(pp50 / bp50, 2)}×, p99 ${fmt(pp99 / bp99, 2)}× ` +
      `(target p99 ≤ ${RATIO_TARGET}×: ${pass(pp99 / bp99 <= RATIO_TARGET)})`,
  );
  console.log(
    `same rows      ${totals.mismatched === 0 ? 'yes' : 'NO'}: every page's messages are the bare rows up to its next_cursor ` +
      `(${fmt(totals.mismatched)} of ${fmt(SAMPLES)} differ)`,
  );
  if (totals.mismatched > 0) failed = true;

  // 4. Live fan-out over real HTTP, clients in a process of their own.
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server!.once('listening', resolve);
    server!.once('error', reject);
  });
  const fanout = await fanOut(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => joined);
  if (!fanout.ok) failed = true;
} finally {
  await sync?.close();
  if (server) {
    const s = server;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      if ('closeAllConnections' in s) s.closeAllConnections();
    });
  }
  await projector.stop();
  if (args.keep) {
    console.log(`kept stream ${stream} (devices bucket ${devicesBucket(stream)}) and database ${db.url}`);
    await db.close();
  } else {
    await nats.jsm.streams.delete(stream).catch(() => {});
    await nats.jsm.streams.delete(`KV_${devicesBucket(stream)}`).catch(() => {});
    await db.drop();
  }
  await nats.nc.close();
}
if (failed) process.exitCode = 1;

interface SyncPageJson {
  messages: { id: string }[];
  deleted_message_ids: string[];
  read_changes: unknown[];
  conversations: unknown[];
  next_cursor: number;
  has_more: boolean;
}

interface PageCase {
  account: string;
  cursor: number;
}

/**
 * Random accounts, and on each a random cursor from which a full page follows (when the
 * account has that many changes): a cursor is a sequence that changed the account, or 0.
 */
async function pageCases(checkpoint: number, n: number): Promise<PageCase[]> {
  const rows = await db.sql<{ account: string; seqs: number[] }[]>`
    select account_id as account, array_agg(seq order by seq)::bigint[] as seqs from (
      select account_id, version as seq from messages where capture_seq is not null and version <= ${checkpoint}
      union
      select account_id, read_seq from messages where read_seq <= ${checkpoint} and read_seq is distinct from capture_seq
      union
      select account_id, version from conversations where version <= ${checkpoint}
    ) s group by account_id`;
  const out: PageCase[] = [];
  for (let i = 0; i < n; i++) {
    const { account, seqs } = rnd.pick(rows);
    const j = rnd.int(Math.max(1, seqs.length - LIMIT));
    out.push({ account, cursor: j === 0 ? 0 : Number(seqs[j - 1]) });
  }
  return out;
}

/**
 * The simulator's stream with operators reading: after an inbound message, sometimes the
 * conversation is marked read, mostly as a whole, else by the ids of its unread messages.
 */
function* withMarkReads(events: Iterable<HubEvent>, r: Random, total: number): Generator<HubEvent> {
  const unread = new Map<string, string[]>();
  let n = 0;
  for (const e of events) {
    if (n++ >= total) return;
    yield e;
    if (e.type !== 'MessageCaptured' || e.payload.direction !== 'inbound') continue;
    const p = e.payload;
    const conv = conversationId(e.account_id, p.channel, p.conversation_id);
    const pending = unread.get(conv) ?? [];
    pending.push(p.platform_message_id);
    unread.set(conv, pending.slice(-20));
    if (!r.chance(0.055) || n >= total) continue;
    n++;
    const at = e.occurred_at + 1000 + r.int(60_000);
    unread.delete(conv);
    yield {
      event_id: `${e.event_id}-read`,
      account_id: e.account_id,
      occurred_at: at,
      captured_at: at,
      type: 'MessagesMarkedRead',
      schema_version: 1,
      payload: r.chance(0.7)
        ? { conversation_id: conv, read_at: at }
        : { conversation_id: conv, read_at: at, message_ids: pending.map((m) => messageId(e.account_id, m)) },
    };
  }
}

/** Busy and total jiffies of the whole machine. */
function cpuTimes() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function machineCores() {
  return readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? '?';
}

/** A forked helper process (same loader as this one) and the messages it sends. */
function helper<M extends { type: string }>(file: string, onMessage: (m: M) => void = () => {}) {
  const child = fork(new URL(file, import.meta.url), [], {
    execArgv: process.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const inbox: M[] = [];
  let wake = () => {};
  child.on('message', (m: M) => {
    onMessage(m);
    inbox.push(m);
    wake();
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
    wake();
  });
  return {
    send: (m: unknown) => child.send(m as never),
    exited,
    /** The next message of that type, or an error when the process fails, exits or is late. */
    async next<T extends M['type']>(type: T, timeoutMs: number): Promise<Extract<M, { type: T }>> {
      const until = now() + timeoutMs;
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
        if (i >= 0) {
          const m = inbox.splice(i, 1)[0]!;
          if (m.type === 'error') throw new Error(`${file} failed`);
          return m as Extract<M, { type: T }>;
        }
        if (gone) throw new Error(`${file} exited before sending ${type}`);
        if (now() > until) throw new Error(`no ${type} from ${file} within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

/** The same rule as `percentile` in support.ts, over a sorted typed array (millions of values). */
function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Live fan-out: CLIENTS stream connections on one account (their own process), captures for
 * it published at RATE by a worker (its own process) while the projector runs here, beside the
 * API, as in `src/main.ts`.
 */
async function fanOut(url: string, joinedCount: () => number) {
  const account = 'dy_10001';
  const total = RATE * SECONDS;
  const prefix = `live${id}_`;
  const cursor = await sync!.checkpoint(account);
  let clients: ReturnType<typeof startClients> | undefined;
  const worker = helper<PublishProgress | Published | { type: 'error' }>('./sync-publisher.ts', (m) => {
    if (m.type === 'progress') progress('fan-out', m.done, total);
  });
  try {
    const base = now();
    clients = startClients(
      {
        url: `${url}/api/v1/stream?account_id=${account}&cursor=${cursor}&access_token=${key!.key}`,
        clients: CLIENTS,
        total,
        firstSeq: cursor + 1,
        prefix,
        base,
      },
      (n) => progress('connect', n, CLIENTS),
    );
    const connectedMs = await clients.connected(180_000);
    while (joinedCount() < CLIENTS) {
      if (now() - base > 180_000) throw new Error(`only ${joinedCount()} of ${CLIENTS} clients joined`);
      await new Promise((r) => setTimeout(r, 20));
    }
    console.error(
      `  ${fmt(CLIENTS)} clients connected in ${fmt(connectedMs / 1000, 1)} s, all joined after ${fmt((now() - base) / 1000, 1)} s`,
    );

    const cpu0 = process.cpuUsage();
    const machine0 = cpuTimes();
    const start = now();
    worker.send({
      type: 'publish',
      natsUrl: NATS_URL,
      stream,
      subjectPrefix: subjects.prefix,
      account,
      prefix,
      total,
      rate: RATE,
      base,
    } satisfies PublishOrder);
    const published = await worker.next('published', SECONDS * 1000 + 120_000);
    progress('fan-out', total, total);
    const result = await clients.finish(60_000, 180_000);
    const windowMs = now() - start;
    const cpu = process.cpuUsage(cpu0);
    const machine1 = cpuTimes();
    const { sentAt, seq } = published;
    // The clients know a capture by its sequence: the stream must have taken nothing else.
    let misplaced = 0;
    for (let i = 0; i < total; i++) if (seq[i] !== cursor + 1 + i) misplaced++;

    // Per delivery: parsed by the client minus handed to the publisher. Baseline: the same
    // events, handed to the publisher until the projector's commit that included them.
    let missing = 0;
    for (const a of result.arrival) if (Number.isNaN(a)) missing++;
    const delays = new Float64Array(result.arrival.length - missing);
    for (let k = 0, j = 0; k < result.arrival.length; k++) {
      const a = result.arrival[k]!;
      if (!Number.isNaN(a)) delays[j++] = a - sentAt[k % total]!;
    }
    delays.sort();
    const projected = new Float64Array(total);
    for (let i = 0; i < total; i++) {
      let lo = 0;
      let hi = committed.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (committed[mid]!.lastSeq >= seq[i]!) hi = mid;
        else lo = mid + 1;
      }
      projected[i] = committed[lo]!.at - base - sentAt[i]!;
    }
    // Where the time after the commit goes: until the first client has the event (the live
    // hub's read and its first writes), then until the last one has it (the writes to every
    // connection, and the clients' reads).
    const first = new Float64Array(total).fill(Number.POSITIVE_INFINITY);
    const last = new Float64Array(total).fill(Number.NEGATIVE_INFINITY);
    for (let k = 0; k < result.arrival.length; k++) {
      const i = k % total;
      const a = result.arrival[k]!;
      if (a < first[i]!) first[i] = a;
      if (a > last[i]!) last[i] = a;
    }
    const toFirst = new Float64Array(total);
    const spread = new Float64Array(total);
    for (let i = 0; i < total; i++) {
      toFirst[i] = first[i]! - sentAt[i]! - projected[i]!;
      spread[i] = last[i]! - first[i]!;
    }
    toFirst.sort();
    spread.sort();
    projected.sort();
    const stats = sync!.live.stats();
    const [d50, d99, c50, c99] = [
      quantile(delays, 50),
      quantile(delays, 99),
      quantile(projected, 50),
      quantile(projected, 99),
    ];
    const ok =
      missing === 0 &&
      result.duplicates === 0 &&
      result.outOfOrder === 0 &&
      result.other === 0 &&
      result.wrongData === 0 &&
      misplaced === 0 &&
      result.ended === 0 &&
      stats.dropped_slow_total === 0;
    console.log(
      `fan-out        ${fmt(CLIENTS)} SSE clients on ${account} over HTTP, ${fmt(total)} captures at ${fmt(RATE)}/s ` +
        `(achieved ${fmt(total / published.seconds)}/s): ${fmt(delays.length)} deliveries ` +
        `(${fmt(result.bytes / 1e6)} MB of frames, ${fmt(result.bytes / 1e6 / (windowMs / 1000))} MB/s), ` +
        `capture→delivery p50 ${fmt(d50, 1)} ms, p99 ${fmt(d99, 1)} ms, max ${fmt(delays.at(-1)!, 1)} ms ` +
        `(target p99 ≤ ${FANOUT_TARGET_MS} ms: ${pass(d99 <= FANOUT_TARGET_MS)})`,
    );
    console.log(
      `baseline       capture→projector commit of the same events p50 ${fmt(c50, 1)} ms, p99 ${fmt(c99, 1)} ms, ` +
        `max ${fmt(projected.at(-1)!, 1)} ms; ratio delivery / commit p50 ${fmt(d50 / c50, 2)}×, p99 ${fmt(d99 / c99, 2)}×`,
    );
    console.log(
      `after commit   to the first client p50 ${fmt(quantile(toFirst, 50), 1)} ms, p99 ${fmt(quantile(toFirst, 99), 1)} ms; ` +
        `first to last of the ${fmt(CLIENTS)} clients p50 ${fmt(quantile(spread, 50), 1)} ms, p99 ${fmt(quantile(spread, 99), 1)} ms`,
    );
    console.log(
      `exactly once   ${ok ? 'yes' : 'NO'}: every client got every event once, in order ` +
        `(missing ${fmt(missing)}, duplicates ${fmt(result.duplicates)}, out of order ${fmt(result.outOfOrder)}, ` +
        `other events ${fmt(result.other)}, wrong data ${fmt(result.wrongData)}, captures not at the expected sequence ${fmt(misplaced)}, ` +
        `ended ${fmt(result.ended)}, dropped as slow ${fmt(stats.dropped_slow_total)})`,
    );
    const pct = (ms: number) => fmt((ms / windowMs) * 100);
    console.log(
      `cpu            over the ${fmt(windowMs / 1000, 1)} s window, in % of one core: service (API + live hub + projector) ` +
        `${pct((cpu.user + cpu.system) / 1000)}%, clients ${pct(result.cpuMs)}%, worker (publisher) ` +
        `${pct(published.cpuMs)}%; whole machine ${fmt(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100)}% ` +
        `of its ${machineCores()} cores (Postgres and NATS included: all share them)`,
    );
    return { ok };
  } finally {
    await Promise.all([clients?.stop(), worker.stop()]);
  }
}
