/**
 * bench:load — one real service process (`im-hub serve`) on a fresh database and stream, held
 * under a bounded mixed load for a fixed time: a worker publishing captures, edits and recalls
 * at a fixed rate over many accounts; clients listing conversations and messages, searching,
 * syncing by cursor, marking read and pinning at a fixed request rate; and live SSE streams
 * held open throughout. Prints request rates and p50/p99 per route beside the same routes on
 * the idle service, errors, the projection lag over time, the service's RSS, and how long the
 * lag takes to clear once the load stops.
 *
 *   npm run bench:load -- --seconds 60 --rate 500 --rps 100 --clients 20
 *   (CI smoke: --seconds 5)
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { createSubjects } from '../src/log/subjects.js';
import { devicesBucket } from '../src/sync/devices.js';
import { DM_LINES } from '../src/worker/corpus.js';
import { createRandom, simulateEvents } from '../src/worker/simulate.js';
import { spawnCli } from '../test/support/process.js';
import { freePort } from '../test/support/servers.js';
import { fmt, freshDatabase, NATS_URL, percentile, suffix } from './support.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '500' },
    rps: { type: 'string', default: '100' },
    clients: { type: 'string', default: '20' },
    accounts: { type: 'string', default: '50' },
    seed: { type: 'string', default: '2000' },
  },
});
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);
const RPS = Number(args.rps);
const CLIENTS = Number(args.clients);
const ACCOUNTS = Number(args.accounts);
const SEED_EVENTS = Number(args.seed);
/**
 * After this much of the load the service is warm. RSS swings by tens of MB with the garbage
 * collector, so growth compares medians of the samples (every 0.5 s): the first third of the
 * rest of the run against the last third.
 */
const WARMUP_S = Math.min(10, SECONDS / 3);
const LAG_TARGET_S = 5;
const RSS_TARGET = 0.1;
/** Seconds after the warm-up below which RSS growth is V8 still sizing its heap: not judged. */
const RSS_JUDGED_AFTER_S = 30;
const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const id = suffix();
const stream = `BENCH_LOAD_${id}`;
const prefix = `bload${id}.ev`;
const db = await freshDatabase('load');
const port = await freePort();
const env = {
  DATABASE_URL: db.url,
  NATS_URL,
  STREAM_NAME: stream,
  SUBJECT_PREFIX: prefix,
  PORT: String(port),
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  // the load is one key's; the per-key limit is not what is measured here
  RATE_LIMIT_RPS: '1000000',
  RATE_LIMIT_BURST: '1000000',
};
const base = `http://127.0.0.1:${port}`;
const service = spawnCli(['serve'], env);
const nats = await connectNats({ url: NATS_URL, name: 'bench-load' });
const publisher = createPublisher({ js: nats.js, stream, subjects: createSubjects(prefix) });
let key = '';

/** Every request of the bench goes through here: the one place for what every request carries. */
function api(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
}

/** The service's resident memory, from /proc (MB). */
function rssMb(): number {
  const status = readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

interface Ready {
  ready: boolean;
  projector?: { checkpoint: number; stream_last_seq: number | null; lag_events: number | null };
}
async function ready(): Promise<Ready | null> {
  try {
    return (await (await fetch(`${base}/ready`)).json()) as Ready;
  } catch {
    return null;
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A CLI command of the same service (same environment); its standard output. */
async function cli(argv: string[]): Promise<string> {
  const p = spawnCli(argv, env);
  const code = await p.exited;
  if (code !== 0) throw new Error(`im-hub ${argv.join(' ')} exited ${code}: ${p.output()}`);
  return p.stdout();
}

// ------------------------------------------------------------------------------------ the load

const rnd = createRandom(7);
const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `dy_${10001 + i}`);
/** Conversation ids seen in list answers, by account: what the other routes address. */
const conversations = new Map<string, string[]>();
const cursors = new Map<string, number>();
const pick = <T>(xs: readonly T[]) => xs[rnd.int(xs.length)]!;
const someConversation = () => {
  const ids = conversations.get(pick(accounts)) ?? [];
  return ids.length > 0 ? pick(ids) : undefined;
};
const searchTerm = () => {
  // two characters (code points, not UTF-16 units: an emoji is two of those) of a real line
  const chars = Array.from(pick(DM_LINES).replace(/[\p{P}\p{S}\s\w]/gu, ''));
  const at = rnd.int(Math.max(1, chars.length - 1));
  return chars.slice(at, at + 2).join('') || '你好';
};

interface Route {
  name: string;
  weight: number;
  /** One request; resolves to its status, or null when there was nothing to ask yet. */
  run(): Promise<number | null>;
}

/** The status of an answer, its body read; a refusal's body is kept for the report. */
async function statusOf(res: Response): Promise<number> {
  const text = await res.text();
  if (res.status > 299) noteError(`${new URL(res.url).pathname}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return res.status;
}

/** Lists an account's conversations, and keeps their ids for the routes that address one. */
async function listConversations(account: string): Promise<number> {
  const res = await api('GET', `/api/v1/conversations?account_id=${account}&limit=50`);
  if (res.status !== 200) return statusOf(res);
  const body = (await res.json()) as { conversations: { id: string }[] };
  conversations.set(
    account,
    body.conversations.map((c) => c.id),
  );
  return res.status;
}

const ROUTES: Route[] = [
  {
    name: 'GET /conversations',
    weight: 20,
    run: () => listConversations(pick(accounts)),
  },
  {
    name: 'GET /messages',
    weight: 25,
    async run() {
      const c = someConversation();
      return c ? statusOf(await api('GET', `/api/v1/messages?conversation_id=${c}&limit=50`)) : null;
    },
  },
  {
    name: 'POST /messages/search',
    weight: 10,
    async run() {
      const body = { query: searchTerm(), account_id: pick(accounts), limit: 20 };
      return statusOf(await api('POST', '/api/v1/messages/search', body));
    },
  },
  {
    name: 'GET /messages/sync',
    weight: 20,
    async run() {
      const account = pick(accounts);
      const res = await api(
        'GET',
        `/api/v1/messages/sync?account_id=${account}&cursor=${cursors.get(account) ?? 0}&limit=500`,
      );
      if (res.status !== 200) return statusOf(res);
      const page = (await res.json()) as { next_cursor: number };
      cursors.set(account, page.next_cursor);
      return res.status;
    },
  },
  {
    name: 'GET /unread-summary',
    weight: 10,
    async run() {
      return statusOf(await api('GET', `/api/v1/unread-summary?account_id=${pick(accounts)}&limit=20`));
    },
  },
  {
    name: 'PATCH /messages/mark-read',
    weight: 10,
    async run() {
      const c = someConversation();
      return c ? statusOf(await api('PATCH', '/api/v1/messages/mark-read', { conversation_id: c })) : null;
    },
  },
  {
    name: 'POST|DELETE /conversations/{id}/pin',
    weight: 5,
    async run() {
      const c = someConversation();
      return c
        ? statusOf(await api(rnd.chance(0.5) ? 'POST' : 'DELETE', `/api/v1/conversations/${c}/pin`))
        : null;
    },
  },
];
const totalWeight = ROUTES.reduce((s, r) => s + r.weight, 0);
function pickRoute(): Route {
  let x = rnd.int(totalWeight);
  for (const r of ROUTES) {
    x -= r.weight;
    if (x < 0) return r;
  }
  return ROUTES[0]!;
}

interface Sample {
  ms: number[];
  errors: number;
}
const newSamples = () => new Map(ROUTES.map((r) => [r.name, { ms: [], errors: 0 } as Sample]));
/** Errors: a status no route answers when used as intended (any but 2xx), or no answer at all. */
const errorLog: string[] = [];
function noteError(what: string) {
  if (errorLog.length < 10) errorLog.push(what);
}

async function timed(route: Route, into: Map<string, Sample>): Promise<void> {
  const s = into.get(route.name)!;
  const t0 = now();
  try {
    const status = await route.run();
    if (status === null) return;
    s.ms.push(now() - t0);
    if (status < 200 || status > 299) s.errors += 1;
  } catch (e) {
    s.errors += 1;
    noteError(`${route.name}: ${(e as Error).message}`);
  }
}

/** Requests at a fixed rate (scheduled, not closed-loop), with at most `concurrency` in flight. */
async function clients(rps: number, until: () => boolean, into: Map<string, Sample>, concurrency = 32) {
  const start = now();
  let next = 0;
  const lane = async () => {
    while (!until()) {
      const due = start + (next++ * 1000) / rps;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
      if (until()) break;
      await timed(pickRoute(), into);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** When each published event was acknowledged, by sequence: for the lag in time. */
const acked: { seq: number; at: number }[] = [];
let publishErrors = 0;
let published = 0;

/** Publishes the simulation at `rate` events/s until `stop()`; resolves with the last sequence. */
async function worker(rate: number, stop: () => boolean, runId: string): Promise<number> {
  const events = simulateEvents({
    seed: 3,
    accounts: ACCOUNTS,
    conversationsPerAccount: 20,
    events: Math.ceil(rate * (SECONDS + 30)),
    runId,
  });
  const start = now();
  let sent = 0;
  let last = 0;
  const inFlight = new Set<Promise<void>>();
  while (!stop()) {
    const due = Math.floor(((now() - start) / 1000) * rate);
    while (sent < due && inFlight.size < 1000) {
      const next = events.next();
      if (next.done) return last;
      sent += 1;
      // the simulation numbers its messages from the same start in every run: keep the runs apart
      const event = next.value;
      if ('platform_message_id' in event.payload)
        event.payload.platform_message_id = `${runId}-${event.payload.platform_message_id}`;
      const p = publisher
        .publish(event)
        .then((r) => {
          published += 1;
          acked.push({ seq: r.seq, at: now() });
          last = Math.max(last, r.seq);
        })
        .catch((e: Error) => {
          publishErrors += 1;
          noteError(`publish: ${e.message}`);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  return last;
}

/** Live-stream clients: each holds GET /api/v1/stream open and counts the events it is sent. */
function liveStreams(n: number) {
  const abort = new AbortController();
  let events = 0;
  let ended = 0;
  const held = Array.from({ length: n }, async (_, i) => {
    try {
      const res = await api(
        'GET',
        `/api/v1/stream?account_id=${accounts[i % accounts.length]}`,
        undefined,
        abort.signal,
      );
      if (res.status !== 200 || !res.body) throw new Error(`HTTP ${res.status}`);
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        events += (decoder.decode(chunk as Uint8Array, { stream: true }).match(/^id:/gm) ?? []).length;
      }
      ended += 1;
      noteError(`live stream ${i} ended before the load did`);
    } catch (e) {
      if (abort.signal.aborted) return;
      ended += 1;
      noteError(`live stream ${i}: ${(e as Error).message}`);
    }
  });
  return {
    events: () => events,
    ended: () => ended,
    async close() {
      abort.abort();
      await Promise.all(held);
    },
  };
}

/** The projection lag now: events behind the stream's end, and since when the oldest of them waits. */
async function lag(): Promise<{ events: number; ms: number } | null> {
  const r = await ready();
  const p = r?.projector;
  if (!p || p.lag_events === null) return null;
  if (p.lag_events <= 0) return { events: 0, ms: 0 };
  // the first acknowledged event past the checkpoint (acks come nearly in sequence order)
  let lo = 0;
  let hi = acked.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (acked[mid]!.seq <= p.checkpoint) lo = mid + 1;
    else hi = mid;
  }
  const oldest = acked[lo];
  return { events: p.lag_events, ms: oldest ? now() - oldest.at : 0 };
}

function routeLine(name: string, load: Sample, idle: Sample | undefined, seconds: number): string {
  const s = [...load.ms].sort((a, b) => a - b);
  const i = [...(idle?.ms ?? [])].sort((a, b) => a - b);
  const p50 = percentile(s, 50);
  const p99 = percentile(s, 99);
  const idleP99 = percentile(i, 99);
  return (
    `  ${name.padEnd(36)} ${fmt(s.length / seconds, 1).padStart(6)}/s  p50 ${fmt(p50, 1)} ms, p99 ${fmt(p99, 1)} ms` +
    ` | idle p50 ${fmt(percentile(i, 50), 1)} ms, p99 ${fmt(idleP99, 1)} ms | ratio p99 ${fmt(p99 / idleP99, 1)}×` +
    (load.errors > 0 ? `, ${fmt(load.errors)} errors` : '')
  );
}

// ---------------------------------------------------------------------------------------- run

let failed = false;
try {
  console.log(
    `bench:load  seconds=${SECONDS} rate=${fmt(RATE)} events/s rps=${fmt(RPS)} live clients=${CLIENTS} ` +
      `accounts=${ACCOUNTS} (node ${process.version}, ${availableParallelism()} cores, stream ${stream}, one service process on :${port})`,
  );
  await until(
    'the service to be ready',
    async () => ((await ready())?.ready ? true : undefined),
    60_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; its output:\n${service.output()}`);
  });
  key = (
    await cli(['keys', 'create', '--role', 'operator', '--accounts', 'all', '--name', 'bench-load'])
  ).trim();

  // a history to read: SEED events, projected, and every account's conversations listed once
  await worker(Math.max(2000, RATE), () => published >= SEED_EVENTS, `seed${id}`);
  await until(
    'the seed to be projected',
    async () => ((await lag())?.events === 0 ? true : undefined),
    120_000,
  );
  for (const a of accounts) {
    const status = await listConversations(a);
    if (status !== 200) throw new Error(`listing the conversations of ${a}: HTTP ${status}`);
  }
  const rssStart = rssMb();

  // the same routes on the idle service, one request at a time
  const idle = newSamples();
  for (const r of ROUTES) for (let i = 0; i < 30; i++) await timed(r, idle);
  const idleErrors = [...idle.values()].reduce((s, x) => s + x.errors, 0);

  const t0 = now();
  const elapsed = () => (now() - t0) / 1000;
  const over = () => elapsed() >= SECONDS;
  const load = newSamples();
  const live = liveStreams(CLIENTS);
  const lags: { at: number; events: number; ms: number }[] = [];
  const rssSamples: number[] = [];
  let requestsBefore = 0;
  let publishedBefore = published;
  const sampler = (async () => {
    let lastPrint = 0;
    while (!over()) {
      await sleep(500);
      const l = await lag();
      if (l) lags.push({ at: elapsed(), ...l });
      if (elapsed() >= WARMUP_S) rssSamples.push(rssMb());
      if (elapsed() - lastPrint >= 5 || over()) {
        const requests = [...load.values()].reduce((s, x) => s + x.ms.length, 0);
        const span = elapsed() - lastPrint;
        const errors = [...load.values()].reduce((s, x) => s + x.errors, 0) + publishErrors + live.ended();
        console.log(
          `  t=${fmt(elapsed()).padStart(3)} s  published ${fmt((published - publishedBefore) / span)}/s, requests ${fmt((requests - requestsBefore) / span)}/s, ` +
            `live events ${fmt(live.events())}, errors ${errors}, lag ${l ? `${fmt(l.events)} events / ${fmt(l.ms)} ms` : 'unknown'}, RSS ${fmt(rssMb())} MB`,
        );
        lastPrint = elapsed();
        requestsBefore = requests;
        publishedBefore = published;
      }
    }
  })();
  const publishing = worker(RATE, over, `load${id}`);
  await clients(RPS, over, load);
  const lastSeq = await publishing;
  const stoppedAt = now();
  await sampler;
  const rssEnd = rssMb();
  const liveEvents = live.events();
  const liveEnded = live.ended();
  await live.close();
  const recovered = await until(
    'the projection to catch up',
    async () => {
      const r = await ready();
      const p = r?.projector;
      return p && p.lag_events === 0 && p.checkpoint >= lastSeq ? (now() - stoppedAt) / 1000 : undefined;
    },
    120_000,
  );

  const seconds = (stoppedAt - t0) / 1000;
  const requestErrors = [...load.values()].reduce((s, x) => s + x.errors, 0);
  const errors = requestErrors + publishErrors + liveEnded + idleErrors;
  const requests = [...load.values()].reduce((s, x) => s + x.ms.length, 0);
  const maxLag = lags.reduce((m, l) => (l.events > m.events ? l : m), { at: 0, events: 0, ms: 0 });
  const maxLagMs = Math.max(0, ...lags.map((l) => l.ms));
  const third = Math.max(1, Math.floor(rssSamples.length / 3));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const rssWarm = median(rssSamples.slice(0, third));
  const rssLate = median(rssSamples.slice(-third));
  const growth = (rssLate - rssWarm) / rssWarm;
  console.log(
    `load           ${fmt(seconds, 1)} s: ${fmt(published)} events published in all (${fmt(RATE)}/s asked), ` +
      `${fmt(requests)} requests (${fmt(requests / seconds, 1)}/s), ${CLIENTS} live streams delivered ${fmt(liveEvents)} events`,
  );
  console.log('routes         under load | on the idle service (30 requests each, one at a time)');
  for (const r of ROUTES) console.log(routeLine(r.name, load.get(r.name)!, idle.get(r.name), seconds));
  console.log(
    `errors         ${fmt(errors)} (requests ${requestErrors}, publishes ${publishErrors}, live streams ended ${liveEnded}, idle ${idleErrors}) (target 0: ${pass(errors === 0)})` +
      (errorLog.length > 0 ? `\n               first: ${errorLog.join('; ')}` : ''),
  );
  console.log(
    `lag            during the load at most ${fmt(maxLag.events)} events (t=${fmt(maxLag.at)} s), oldest waiting at most ${fmt(maxLagMs)} ms; ` +
      `0 again ${fmt(recovered, 2)} s after the load stopped (target ≤ ${LAG_TARGET_S} s: ${pass(recovered <= LAG_TARGET_S)})`,
  );
  console.log(
    `rss            service at start ${fmt(rssStart)} MB; after ${fmt(WARMUP_S)} s of warm-up, median ${fmt(rssWarm)} MB over the first third of the rest, ` +
      `${fmt(rssLate)} MB over the last third (${fmt(rssSamples.length)} samples); at the end ${fmt(rssEnd)} MB: ` +
      `${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)}% after warm-up (target ≤ +${RSS_TARGET * 100}%: ` +
      (SECONDS - WARMUP_S >= RSS_JUDGED_AFTER_S
        ? `${pass(growth <= RSS_TARGET)})`
        : `not judged, the run after warm-up is shorter than ${RSS_JUDGED_AFTER_S} s)`),
  );
} catch (e) {
  failed = true;
  console.error(`bench:load failed: ${(e as Error).stack ?? e}`);
} finally {
  service.child.kill('SIGTERM');
  await service.exited;
  await nats.jsm.streams.delete(stream).catch(() => {});
  await nats.jsm.streams.delete(`KV_${devicesBucket(stream)}`).catch(() => {});
  await nats.nc.close();
  await db.drop();
}
process.exit(failed ? 1 : 0);
