/**
 * bench:search — full-text search over 1,000,000 messages of Chinese chat text, against the
 * same queries as ILIKE '%q%' scans; index size; projection rate with the index on.
 *
 *   npm run bench:search -- --messages 1000000 --accounts 1000 --samples 60 --scan-samples 8 --project 100000
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { rowCodec } from '../src/db/bulk.js';
import { messages } from '../src/db/schema.js';
import { conversationId, messageId } from '../src/events/index.js';
import { connectNats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { ensureStream } from '../src/log/stream.js';
import { createSubjects } from '../src/log/subjects.js';
import { silentLogger } from '../src/logger.js';
import { createProjector } from '../src/projections/projector.js';
import { searchMessages } from '../src/queries/search.queries.js';
import { searchPlan } from '../src/search/query.js';
import { COMMENT_LINES, DM_LINES, REPLY_LINES } from '../src/worker/corpus.js';
import { createRandom, simulateEvents } from '../src/worker/simulate.js';
import { fmt, freshDatabase, indexed, NATS_URL, percentile, progress, suffix, take } from './support.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    accounts: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '60' },
    'scan-samples': { type: 'string', default: '8' },
    project: { type: 'string', default: '100000' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(args.messages);
const ACCOUNTS = Number(args.accounts);
const SAMPLES = Number(args.samples);
const SCAN_SAMPLES = Number(args['scan-samples']);
const PROJECT_N = Number(args.project);
const rnd = createRandom(2025);

// Chat-like text: clauses of real Song ci (for a real vocabulary) and of the simulator's chat
// lines, one to three a message, sometimes with a Latin word, a number or an emoji.
const require = createRequire(import.meta.url);
const songci = join(dirname(require.resolve('chinese-poetry/package.json')), 'dist', 'songci');
const clauses = (line: string) => line.split(/[，。！？、；：,.!?\s]+/u).filter((c) => c.length > 0);
const poetry: string[] = [];
for (const f of readdirSync(songci)
  .filter((x) => x.startsWith('ci.song.'))
  .sort()) {
  for (const ci of JSON.parse(readFileSync(join(songci, f), 'utf8')) as { paragraphs: string[] }[]) {
    for (const p of ci.paragraphs) poetry.push(...clauses(p));
  }
}
const chat = [...DM_LINES, ...COMMENT_LINES, ...REPLY_LINES].flatMap(clauses);
const LATIN = ['iPhone15', 'OK', 'VIP', 'wifi', 'ok啦', 'App', 'PDF', 'Pro Max', 'Switch'];
const EMOJI = ['😂', '👍', '🙏', '❤️', '😭'];
function chatText(): string {
  const parts: string[] = [];
  const n = 1 + rnd.int(3);
  for (let i = 0; i < n; i++) parts.push(rnd.chance(0.2) ? rnd.pick(chat) : rnd.pick(poetry));
  if (rnd.chance(0.1)) parts.push(rnd.pick(LATIN));
  if (rnd.chance(0.05)) parts.push(String(10_000 + rnd.int(90_000)));
  let text = parts.join(rnd.chance(0.5) ? '，' : ' ');
  if (rnd.chance(0.1)) text += rnd.pick(EMOJI);
  return text;
}

const db = await freshDatabase('search');
const codec = rowCodec(messages, ['id']);
const T0 = Date.UTC(2025, 6, 1);
const DAY = 86_400_000;
try {
  console.log(
    `bench:search  messages=${fmt(N)} accounts=${fmt(ACCOUNTS)} clauses=${fmt(poetry.length)}+${fmt(chat.length)} (node ${process.version})`,
  );
  // Load 1M messages as the projection writes them (same rows, same search vectors), index built after.
  await db.sql`drop index messages_search_keys_idx`;
  await db.sql`drop index messages_created_idx`;
  const texts: string[] = [];
  const samples: { account: string; created: number; text: string }[] = [];
  let t = performance.now();
  for (let done = 0; done < N; ) {
    const rows: (typeof messages.$inferSelect)[] = [];
    for (let i = 0; i < 50_000 && done < N; i++, done++) {
      const account = `dy_${100_000 + (done % ACCOUNTS)}`;
      const conv = `dm_${rnd.int(20)}`;
      const content = chatText();
      if (texts.length < 20_000) texts.push(content);
      if (done % 97 === 0 && samples.length < 5_000)
        samples.push({ account, created: T0 + Math.floor((done / N) * 90 * DAY), text: content });
      const created = T0 + Math.floor((done / N) * 90 * DAY) + rnd.int(60_000);
      rows.push({
        id: messageId(account, `p${done}`),
        accountId: account,
        platformMessageId: `p${done}`,
        conversationId: conversationId(account, 'direct', conv),
        platformConversationId: conv,
        channel: 'direct',
        direction: rnd.chance(0.8) ? 'inbound' : 'outbound',
        senderId: `u_${rnd.int(200_000)}`,
        content,
        originalContent: null,
        messageType: 'text',
        replyTo: null,
        createdAt: created,
        capturedAt: created + 1000,
        captureSeq: done + 1,
        edited: false,
        editedAt: null,
        editSeq: null,
        recalled: false,
        recalledAt: null,
        recalledBy: null,
        recallSeq: null,
        version: done + 1,
        readAt: null,
        readSeq: null,
        ...indexed(content),
      });
    }
    await db.sql.begin((tx) => codec.copyIn(tx, rows));
    progress('load', done, N);
  }
  const loadS = (performance.now() - t) / 1000;
  t = performance.now();
  await db.sql`create index messages_search_keys_idx on messages using gin (search_keys)`;
  await db.sql`create index messages_created_idx on messages (created_at desc, capture_seq desc) where capture_seq is not null`;
  await db.sql`analyze messages`;
  const indexS = (performance.now() - t) / 1000;
  const [size] = await db.sql<{ idx: string; tbl: string }[]>`
    select pg_size_pretty(pg_relation_size('messages_search_keys_idx')) idx, pg_size_pretty(pg_table_size('messages')) tbl`;
  console.log(
    `load           ${fmt(N)} messages in ${fmt(loadS, 1)} s; GIN index built in ${fmt(indexS, 1)} s; index ${size!.idx}, table ${size!.tbl}`,
  );

  // Queries drawn from the texts.
  const cjk = (s: string) => [...s].filter((c) => /\p{Script=Han}/u.test(c));
  const sub = (len: number, from?: string) => {
    for (let tries = 0; ; tries++) {
      const chars = [...(from && tries < 50 ? from : rnd.pick(texts))];
      const at = rnd.int(chars.length);
      const s = chars.slice(at, at + len).join('');
      if (cjk(s).length === len) return s;
    }
  };
  const kinds: {
    name: string;
    make: () => { query: string; filter?: { accountId: string; startDate: number; endDate: number } };
  }[] = [
    { name: '1 char', make: () => ({ query: rnd.pick(cjk(rnd.pick(texts))) }) },
    { name: '2 chars', make: () => ({ query: sub(2) }) },
    { name: '4 chars', make: () => ({ query: sub(4) }) },
    {
      name: 'Latin word',
      make: () => ({ query: rnd.pick(['iphone', 'vip', 'wifi', 'app', 'pdf', 'switch', 'pro']) }),
    },
    {
      name: '2 chars + account + 30 days',
      make: () => {
        // a message of that account inside that window contains the query
        const m = rnd.pick(samples);
        const start = m.created - rnd.int(30) * DAY;
        return {
          query: sub(2, m.text),
          filter: { accountId: m.account, startDate: start, endDate: start + 30 * DAY },
        };
      },
    },
  ];

  const results: string[] = [];
  for (const kind of kinds) {
    const cases = Array.from({ length: SAMPLES }, kind.make);
    const fts: number[] = [];
    let hits = 0;
    let exact = 0;
    for (const c of cases) {
      const s = performance.now();
      const r = await searchMessages(db.db, {
        plan: searchPlan(c.query),
        accountId: c.filter?.accountId,
        startDate: c.filter?.startDate,
        endDate: c.filter?.endDate,
        sort: 'relevance',
        limit: 50,
        offset: 0,
      });
      fts.push(performance.now() - s);
      hits += r.total;
      if (r.totalExact) exact++;
    }
    const scan: number[] = [];
    for (const c of cases.slice(0, SCAN_SAMPLES)) {
      const s = performance.now();
      const f = c.filter;
      await db.sql.begin(async (tx) => {
        // Without a filter the best plan is a (parallel) sequential scan; left to itself, the
        // planner may walk the created_at index over the whole table instead, twice as slow.
        if (!f) await tx`set local enable_indexscan = off; set local enable_bitmapscan = off`.simple();
        await tx`
          select id, content, created_at, count(*) over () as total from messages
          where capture_seq is not null and not recalled and content ilike ${`%${c.query}%`}
            ${f ? tx`and account_id = ${f.accountId} and created_at between ${f.startDate} and ${f.endDate}` : tx``}
          order by created_at desc limit 50`;
      });
      scan.push(performance.now() - s);
    }
    fts.sort((a, b) => a - b);
    scan.sort((a, b) => a - b);
    const line =
      `${kind.name.padEnd(28)} search p50 ${fmt(percentile(fts, 50), 1)} ms, p95 ${fmt(percentile(fts, 95), 1)} ms, p99 ${fmt(percentile(fts, 99), 1)} ms` +
      ` (avg ${fmt(hits / cases.length)} hits${exact < cases.length ? `, estimated for ${fmt(((cases.length - exact) / cases.length) * 100)}% of queries` : ''}) | ILIKE ${kind.name.includes('account') ? 'on the account index' : 'scan'} p50 ${fmt(percentile(scan, 50), 1)} ms, p95 ${fmt(percentile(scan, 95), 1)} ms` +
      ` | ratio p50 ${fmt(percentile(scan, 50) / percentile(fts, 50), 1)}×, p95 ${fmt(percentile(scan, 95) / percentile(fts, 95), 1)}×`;
    console.log(line);
    results.push(line);
  }

  // Projection rate with the search index on: events through the real projector into this database.
  if (PROJECT_N > 0) {
    const id = suffix();
    const stream = `BENCH_SEARCH_${id}`;
    const subjects = createSubjects(`bs${id}.ev`);
    const nats = await connectNats({ url: NATS_URL, name: 'bench-search' });
    await ensureStream(nats.jsm, { name: stream, subjects, duplicateWindowMs: 120_000, replicas: 1 });
    try {
      const publisher = createPublisher({ js: nats.js, stream, subjects });
      const source = simulateEvents({
        seed: 9,
        events: PROJECT_N,
        accounts: 100,
        conversationsPerAccount: 50,
        runId: `s${id}`,
      });
      for (let done = 0; done < PROJECT_N; ) {
        const chunk = take(source, 10_000);
        await publisher.publishMany(chunk, 1024);
        done += chunk.length;
        progress('publish', done, PROJECT_N);
      }
      const projector = createProjector({ sql: db.sql, js: nats.js, stream, subjects, log: silentLogger() });
      const s = performance.now();
      projector.start();
      await projector.waitFor(PROJECT_N, 600_000);
      const secs = (performance.now() - s) / 1000;
      await projector.stop();
      console.log(
        `projection     ${fmt(PROJECT_N)} events into the ${fmt(N)}-message table with the search index on: ${fmt(secs, 2)} s = ${fmt(PROJECT_N / secs)} events/s`,
      );
    } finally {
      await nats.jsm.streams.delete(stream).catch(() => {});
      await nats.nc.close();
    }
  }
} finally {
  if (args.keep) {
    console.log(`kept database ${db.url}`);
    await db.close();
  } else await db.drop();
}
