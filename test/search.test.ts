import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationId, type HubEvent, messageId } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import { searchMessages } from '../src/queries/search.queries.js';
import { searchPlan } from '../src/search/query.js';
import { normalize } from '../src/search/tokenizer.js';
import { createRandom } from '../src/worker/simulate.js';
import {
  createTestDatabase,
  createTestLog,
  projectedTo,
  startTestProjector,
  type TestLog,
  testApp,
} from './support/env.js';

// The substring contract, checked on real Chinese text none of us wrote: Song dynasty ci
// from the chinese-poetry package, one line a message, some with Latin words and full-width
// forms mixed in. Expected results come from plain string search.

const require = createRequire(import.meta.url);
const SONGCI = join(dirname(require.resolve('chinese-poetry/package.json')), 'dist', 'songci');
const CORPUS_ACCOUNT = 'dy_corpus';
const rnd = createRandom(515);
const LATIN = ['iPhone15', 'VIP', 'OK', 'ＡＢＣ', 'wifi', 'Douyin', '2025', 'x9'];

function loadCorpus(size: number): string[] {
  const files = readdirSync(SONGCI)
    .filter((f) => f.startsWith('ci.song.'))
    .sort();
  const lines = new Set<string>();
  for (const f of files) {
    for (const ci of JSON.parse(readFileSync(join(SONGCI, f), 'utf8')) as { paragraphs: string[] }[]) {
      for (const p of ci.paragraphs) if (p.trim()) lines.add(p.trim());
      if (lines.size >= size) break;
    }
    if (lines.size >= size) break;
  }
  return [...lines].slice(0, size).map((line) => {
    if (!rnd.chance(0.12)) return line;
    const chars = [...line];
    const at = rnd.int(chars.length);
    chars.splice(at, 0, rnd.pick(LATIN));
    return chars.join('');
  });
}

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let app: ReturnType<typeof testApp>;
let corpus: string[];
let seqCounter = 0;

function captured(
  account: string,
  pmid: string,
  content: string,
  opts: Partial<{
    conv: string;
    at: number;
    sender: string;
    type: 'text' | 'image';
    channel: 'direct' | 'comment';
  }> = {},
): HubEvent {
  const at = opts.at ?? Date.UTC(2025, 9, 1) + ++seqCounter * 1000;
  return {
    event_id: `${account}-${pmid}`,
    type: 'MessageCaptured',
    schema_version: 2,
    account_id: account,
    occurred_at: at,
    captured_at: at,
    payload: {
      platform_message_id: pmid,
      channel: opts.channel ?? 'direct',
      conversation_id: opts.conv ?? 'conv_1',
      direction: 'inbound',
      sender: {
        platform_user_id: opts.sender ?? 'fan_1',
        name: opts.sender === 'fan_2' ? '小美Ｌｉｓａ' : '老王',
      },
      content,
      message_type: opts.type ?? 'text',
      created_at: at,
      captured_by: null,
    },
  };
}

async function publishAndProject(events: HubEvent[]) {
  const results = await log.publisher.publishMany(events);
  await projectedTo(db, projector.name, Math.max(...results.map((r) => r.seq)));
}

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('search'), createTestDatabase('search')]);
  projector = startTestProjector(log, db);
  corpus = loadCorpus(6000);
  await publishAndProject(
    corpus.map((text, i) => captured(CORPUS_ACCOUNT, `c${i}`, text, { conv: `conv_${i % 50}` })),
  );
  app = testApp(db);
});

afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

/** A substring of `text` starting at a CJK character, with no white space. */
function cjkSubstring(text: string, length: number): string | null {
  const chars = [...text];
  const starts = chars
    .map((c, i) => (/\p{Script=Han}/u.test(c) ? i : -1))
    .filter((i) => i >= 0 && i + length <= chars.length);
  if (starts.length === 0) return null;
  const s = rnd.pick(starts);
  const sub = chars.slice(s, s + length).join('');
  return /\s/.test(sub) ? null : sub;
}

function drawQueries(): { query: string; kind: string }[] {
  const out: { query: string; kind: string }[] = [];
  const pickText = () => corpus[rnd.int(corpus.length)]!;
  while (out.filter((q) => q.kind === 'single').length < 100) {
    const s = cjkSubstring(pickText(), 1);
    if (s) out.push({ query: s, kind: 'single' });
  }
  while (out.filter((q) => q.kind === 'substring').length < 150) {
    const s = cjkSubstring(pickText(), 2 + rnd.int(3));
    if (s) out.push({ query: s, kind: 'substring' });
  }
  const mixed = corpus.filter((t) => LATIN.some((w) => t.includes(w)));
  while (out.filter((q) => q.kind === 'mixed').length < 50) {
    const t = rnd.pick(mixed);
    const w = LATIN.find((x) => t.includes(x))!;
    const at = t.indexOf(w);
    const after = [...t.slice(at + w.length)].slice(0, 1 + rnd.int(2)).join('');
    const before = [...t.slice(0, at)].slice(-1).join('');
    // Latin and Chinese together, as typed: a word then what follows, or what precedes then a word
    out.push({
      query: rnd.chance(0.5) || !before ? w + after : before + w.slice(0, 2 + rnd.int(w.length - 1)),
      kind: 'mixed',
    });
  }
  while (out.filter((q) => q.kind === 'multi').length < 60) {
    const a = cjkSubstring(pickText(), 1 + rnd.int(2));
    const b = cjkSubstring(pickText(), 1 + rnd.int(2));
    if (a && b) out.push({ query: `${a} ${b}`, kind: 'multi' });
  }
  return out;
}

/** Plain string search: every space-separated term is a substring (normalised; a leading Latin word starts a word). */
function expectedMatches(query: string): Set<number> {
  const terms = query.split(/\s+/).filter(Boolean).map(normalize);
  const hits = new Set<number>();
  corpus.forEach((text, i) => {
    const t = normalize(text);
    const all = terms.every((term) => {
      for (let at = t.indexOf(term); at !== -1; at = t.indexOf(term, at + 1)) {
        const leadsWithWord = /^[\p{L}\p{N}]/u.test(term) && !/^\p{Script=Han}/u.test(term);
        const prev = t[at - 1];
        if (
          !leadsWithWord ||
          prev === undefined ||
          !/[\p{L}\p{N}]/u.test(prev) ||
          /\p{Script=Han}/u.test(prev)
        )
          return true;
      }
      return false;
    });
    if (all) hits.add(i);
  });
  return hits;
}

describe('search: the substring contract on real Chinese text', () => {
  it('finds exactly the messages that contain each query (precision and recall 100%)', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(5000);
    const queries = drawQueries();
    const idToIndex = new Map(corpus.map((_, i) => [messageId(CORPUS_ACCOUNT, `c${i}`), i]));
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const wrong: string[] = [];
    for (const { query, kind } of queries) {
      const expected = expectedMatches(query);
      const { rows, total, totalExact } = await searchMessages(db.db, {
        plan: searchPlan(query),
        accountId: CORPUS_ACCOUNT,
        sort: 'newest',
        limit: 10_000,
        offset: 0,
      });
      expect([total, totalExact]).toEqual([rows.length, true]);
      const got = new Set(rows.map((r) => idToIndex.get(r.id)!));
      let ok = 0;
      for (const i of got) if (expected.has(i)) ok++;
      tp += ok;
      fp += got.size - ok;
      fn += expected.size - ok;
      if (ok !== got.size || ok !== expected.size)
        wrong.push(`${kind} ${JSON.stringify(query)}: got ${got.size}, expected ${expected.size}`);
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `search contract: ${queries.length} queries over ${corpus.length} texts, ${tp} true hits; precision ${(precision * 100).toFixed(2)}%, recall ${(recall * 100).toFixed(2)}%`,
    );
    expect(wrong).toEqual([]);
    expect(tp).toBeGreaterThan(5_000);
  });
});

describe('search: the ways a page is found give the same page', () => {
  it('reading every match, walking back from the newest, and ranking only the repeated keys agree', async () => {
    // Tiny limits send every query with more than a few matches down the walk (or the
    // reading of every match); a huge one reads every match and sorts it: the reference.
    // A probe of a few matches and no threshold send every query with more down the walk
    // back from the newest (or to reading every match when the walk falls short); the
    // reference reads every match at once.
    const reference = { probe: 1_000_000, walkAbove: Number.POSITIVE_INFINITY };
    const ways = {
      walk: { probe: 3, walkAbove: 0 },
      'read all past the probe': { probe: 3, walkAbove: Number.POSITIVE_INFINITY },
    };
    const drawn = drawQueries();
    const queries = [
      ...drawn.filter((_, i) => i % 4 === 0).map((q) => q.query),
      ...['风', '春', '人', '不', '一', '何处', '东风', 'ok', 'i', '风 雨', '"东风"'],
    ];
    await db.sql`analyze messages`; // the walk sizes its windows from the table's statistics
    let compared = 0;
    let walked = 0;
    for (const query of queries) {
      for (const sort of ['relevance', 'newest'] as const) {
        for (const [offset, limit] of [
          [0, 7],
          [7, 7],
          [0, 40],
        ] as const) {
          const f = { plan: searchPlan(query), accountId: CORPUS_ACCOUNT, sort, limit, offset };
          const want = await searchMessages(db.db, f, reference);
          for (const [name, limits] of Object.entries(ways)) {
            const got = await searchMessages(db.db, f, limits);
            const view = (r: typeof got) => [r.rows.map((m) => [m.id, m.rank]), r.hasMore];
            expect(view(got), `${name}: ${query} ${sort} ${offset}+${limit}`).toEqual(view(want));
            if (got.totalExact) expect(got.total).toBe(want.total);
            else walked++;
            compared++;
          }
        }
      }
    }
    expect(walked).toBeGreaterThan(30);
    console.log(
      `search strategies: ${compared} pages compared, ${walked} of them walked back from the newest`,
    );
  });
});

async function search(body: Record<string, unknown>) {
  const res = await app.request('/api/v1/messages/search', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('search: rules', () => {
  const A = 'dy_rules';
  beforeAll(async () => {
    await publishAndProject([
      captured(A, 'r1', '太好笑了哈哈哈', { at: 1_000 }),
      captured(A, 'r2', '求iPhone15的手机壳', { at: 2_000, conv: 'conv_2', sender: 'fan_2' }),
      captured(A, 'r3', '订单号２０２５１０２２００１，ＶＩＰ客户', { at: 3_000, type: 'image' }),
      captured(A, 'r4', '原来的内容：旧词', { at: 4_000 }),
      captured(A, 'r5', '这条会被撤回：秘密', { at: 5_000 }),
      captured(A, 'r6', 'hello world 你 好', { at: 6_000, channel: 'comment', conv: 'video_1' }),
    ]);
    await publishAndProject([
      {
        event_id: 'edit-r4',
        type: 'MessageEdited',
        schema_version: 1,
        account_id: A,
        occurred_at: 7_000,
        captured_at: 7_000,
        payload: {
          platform_message_id: 'r4',
          conversation_id: 'conv_1',
          new_content: '改过的内容：新词',
          edited_at: 7_000,
          edited_by: 'fan_1',
        },
      },
      {
        event_id: 'recall-r5',
        type: 'MessageRecalled',
        schema_version: 1,
        account_id: A,
        occurred_at: 8_000,
        captured_at: 8_000,
        payload: {
          platform_message_id: 'r5',
          conversation_id: 'conv_1',
          recalled_at: 8_000,
          recalled_by: 'fan_1',
        },
      },
    ]);
  });
  const ids = (body: any) => body.messages.map((m: any) => m.platform_message_id);

  it('finds Chinese inside words, Latin case-insensitively by prefix, full-width as half-width, numbers', async () => {
    expect(ids((await search({ query: '好笑', account_id: A })).body)).toEqual(['r1']);
    expect(ids((await search({ query: 'IPHONE', account_id: A })).body)).toEqual(['r2']);
    expect(ids((await search({ query: 'iphone15的', account_id: A })).body)).toEqual(['r2']);
    expect(ids((await search({ query: 'phone', account_id: A })).body)).toEqual([]); // words match from their start
    expect(ids((await search({ query: 'vip', account_id: A })).body)).toEqual(['r3']);
    expect(ids((await search({ query: '2025102200', account_id: A })).body)).toEqual(['r3']);
    expect(ids((await search({ query: '，vip', account_id: A })).body)).toEqual(['r3']);
  });

  it('ANDs terms and keeps quoted phrases together', async () => {
    expect(ids((await search({ query: '手机 iphone', account_id: A })).body)).toEqual(['r2']);
    expect(ids((await search({ query: '手机 好笑', account_id: A })).body)).toEqual([]);
    expect(ids((await search({ query: '"你 好"', account_id: A })).body)).toEqual(['r6']);
    expect(ids((await search({ query: '你好', account_id: A })).body)).toEqual([]);
    expect(ids((await search({ query: '"hello world"', account_id: A })).body)).toEqual(['r6']);
  });

  it('re-indexes an edit and hides a recall', async () => {
    expect(ids((await search({ query: '旧词', account_id: A })).body)).toEqual([]);
    expect(ids((await search({ query: '新词', account_id: A })).body)).toEqual(['r4']);
    expect(ids((await search({ query: '秘密', account_id: A })).body)).toEqual([]);
  });

  it('combines filters with the query, and lists by filters alone', async () => {
    expect(ids((await search({ query: '内容', account_id: A, start_date: 3_500 })).body)).toEqual(['r4']);
    expect(ids((await search({ account_id: A, message_type: 'image' })).body)).toEqual(['r3']);
    expect(ids((await search({ account_id: A, channel: 'comment' })).body)).toEqual(['r6']);
    expect(ids((await search({ account_id: A, from_user_id: 'fan_2' })).body)).toEqual(['r2']);
    const conv = conversationId(A, 'direct', 'conv_2');
    expect(ids((await search({ conversation_id: conv })).body)).toEqual(['r2']);
    expect(
      ids((await search({ account_id: A, start_date: '1970-01-01T00:00:02Z', end_date: 4_000 })).body),
    ).toEqual(['r4', 'r3', 'r2']);
  });

  it('pages with total and has_more, newest first or by relevance, with a marked snippet', async () => {
    const first = await search({ account_id: A, sort: 'newest', limit: 2 });
    expect([first.body.total, first.body.total_exact]).toEqual([5, true]);
    expect(first.body.has_more).toBe(true);
    expect(ids(first.body)).toEqual(['r6', 'r4']);
    const last = await search({ account_id: A, sort: 'newest', limit: 2, offset: 4 });
    expect([ids(last.body), last.body.total, last.body.has_more]).toEqual([['r1'], 5, false]);
    const hit = (await search({ query: 'iphone 壳', account_id: A })).body.messages[0];
    expect(hit.snippet).toBe('求<mark>iPhone</mark>15的手机<mark>壳</mark>');
    const ranked = await search({ query: '哈', account_id: A });
    expect(ranked.body.messages[0].rank).toBeGreaterThan(0);
  });

  it('finds conversations by friend name or matching messages', async () => {
    const res = await app.request(
      `/api/v1/conversations/search?account_id=${A}&q=${encodeURIComponent('lisa')}`,
    );
    const body = (await res.json()) as any;
    expect(body.conversations.map((c: any) => [c.platform_conversation_id, c.name_match])).toEqual([
      ['conv_2', true],
    ]);
    const byText = (await (
      await app.request(`/api/v1/conversations/search?account_id=${A}&q=${encodeURIComponent('内容')}`)
    ).json()) as any;
    expect(byText.conversations.map((c: any) => [c.platform_conversation_id, c.matching_messages])).toEqual([
      ['conv_1', 1],
    ]);
  });

  it('rejects bad input with 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'query'],
      [{ query: '   ' }, 'query'],
      [{ query: 'x'.repeat(257) }, 'query'],
      [{ query: '好', start_date: 5, end_date: 4 }, 'start_date'],
      [{ query: '好', limit: 0 }, 'limit'],
      [{ query: '好', limit: 201 }, 'limit'],
      [{ query: '好', start_date: 'yesterday' }, 'start_date'],
      [{ query: '好', message_type: 'voice' }, 'message_type'],
      [{ query: 42 }, 'query'],
    ];
    for (const [body, field] of cases) {
      const r = await search(body);
      expect([JSON.stringify(body).slice(0, 40), r.status, r.body.error?.field]).toEqual([
        JSON.stringify(body).slice(0, 40),
        400,
        field,
      ]);
    }
    const broken = await app.request('/api/v1/messages/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(broken.status).toBe(400);
  });
});
