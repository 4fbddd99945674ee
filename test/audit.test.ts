import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../src/audit/audit-log.js';
import { verifyExport } from '../src/audit/verify.js';
import { conversationId, type HubEvent, messageId, parseEvent } from '../src/events/index.js';
import { recomputeChain } from './support/chain.js';
import { chatEvents, convOf, pmid } from './support/chat-events.js';
import {
  createTestDatabase,
  createTestLog,
  projectedTo,
  requestJson,
  startTestProjector,
  type TestLog,
  testApp,
} from './support/env.js';

const EVERY = 10;
const A = 'dy_a';
const B = 'dy.b'; // a dot, so that its subject token is encoded
const T = 'dy_t'; // the account of the message whose timeline is read

/** What the test published, by sequence: the account and type its subject names. */
interface Published {
  seq: number;
  account: string;
  type: string;
  /** The body as stored: the event object, or raw bytes for malformed ones. */
  event: unknown;
  bytes: Uint8Array;
}

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let app: ReturnType<typeof testApp>;
const published: Published[] = [];
let last = 0;
let chain: string[];
const encoder = new TextEncoder();
const TIMELINE_MESSAGE = messageId(T, pmid(4));
const TIMELINE_CONVERSATION = conversationId(T, 'direct', convOf(4));

async function publish(e: HubEvent) {
  const { seq } = await log.publisher.publish(e);
  // the publisher stores what it validated: the contract's field order, version 2
  const parsed = parseEvent(e);
  if (!parsed.ok) throw new Error(parsed.reason);
  const event = parsed.event;
  published.push({
    seq,
    account: e.account_id,
    type: e.type,
    event,
    bytes: encoder.encode(JSON.stringify(event)),
  });
}

async function publishRaw(account: string, type: string, bytes: Uint8Array) {
  const ack = await log.js.publish(log.subjects.event(account, type), bytes);
  let event: unknown = null;
  try {
    event = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    // malformed on purpose
  }
  published.push({ seq: ack.seq, account, type, event, bytes });
}

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('audit'), createTestDatabase('audit')]);
  const build = chatEvents('audit', {
    // long enough that the NDJSON export spans several chunks
    capture: (msg) => `第${msg}条消息：${'你好，请问还有货吗？'.repeat(8)}`,
    edit: (_, n) => `改过了：${n}`,
  });
  for (let i = 0; i < 120; i++) {
    await publish(build(A, { kind: 'capture', msg: i, inbound: i % 4 !== 0 }));
    await publish(build(B, { kind: 'capture', msg: i }));
    if (i % 5 === 4) await publish(build(A, { kind: 'edit', msg: i - 2 }));
    if (i % 7 === 6) await publish(build(B, { kind: 'recall', msg: i - 3 }));
    if (i % 11 === 10) await publish(build(A, { kind: 'read', conv: i % 3 }));
    if (i === 40) {
      // an old worker's version-1 capture, and bodies the projector rejects
      const v1 = build(A, { kind: 'capture', msg: 1000 }) as Extract<HubEvent, { type: 'MessageCaptured' }>;
      const { captured_by: _, ...payload } = v1.payload;
      await publishRaw(
        A,
        'MessageCaptured',
        encoder.encode(JSON.stringify({ ...v1, schema_version: 1, payload })),
      );
      await publishRaw(A, 'MessageCaptured', encoder.encode('not json at all'));
      await publishRaw(B, 'MessageEdited', new Uint8Array([0xff, 0xfe, 0x7b, 0x0a]));
    }
  }
  // the message of the timeline: captured, edited twice, read by id, recalled; with a
  // neighbour in its conversation, one in another conversation, and a pin of its conversation
  await publish(build(T, { kind: 'capture', msg: 4 }));
  await publish(build(T, { kind: 'capture', msg: 3 }));
  await publish(build(T, { kind: 'edit', msg: 4 }));
  await publish(build(T, { kind: 'capture', msg: 7 }));
  await publish(build(T, { kind: 'edit', msg: 4 }));
  const at = 1_770_000_000_000;
  const envelope = { schema_version: 1 as const, account_id: T, occurred_at: at, captured_at: at };
  await publish({
    ...envelope,
    event_id: 'audit-pin',
    type: 'ConversationPinned',
    actor: 'operator-1',
    payload: { conversation_id: TIMELINE_CONVERSATION },
  });
  await publish({
    ...envelope,
    event_id: 'audit-read',
    type: 'MessagesMarkedRead',
    actor: 'reader-9',
    payload: { conversation_id: TIMELINE_CONVERSATION, read_at: at, message_ids: [TIMELINE_MESSAGE] },
  });
  await publish(build(T, { kind: 'recall', msg: 4 }));
  await publish(build(A, { kind: 'capture', msg: 2000 }));

  last = published[published.length - 1]!.seq;
  expect(published.map((p) => p.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  const projector = startTestProjector(log, db, { chainCheckpointEvery: EVERY });
  await projectedTo(db, projector.name, last);
  await projector.stop();
  const audit = createAuditLog({
    sql: db.sql,
    js: log.js,
    jsm: log.jsm,
    stream: log.stream,
    subjects: log.subjects,
    checkpointEvery: EVERY,
  });
  app = testApp(db, { audit });
  chain = await recomputeChain(log);
});

afterAll(async () => {
  await log?.close();
  await db?.drop();
});

const get = (path: string) => requestJson(app, 'GET', path);

/** Walks the JSON pages of a query to the end, checking that each page continues the last. */
async function allPages(query: string, limit: number) {
  const events: any[] = [];
  let from = 1;
  for (let pages = 0; pages < 1000; pages++) {
    const { status, body } = await get(`/api/v1/audit/events?${query}&limit=${limit}&from_seq=${from}`);
    expect(status).toBe(200);
    expect(body.events.length).toBeLessThanOrEqual(limit);
    for (const e of body.events) expect(e.seq).toBeGreaterThanOrEqual(from);
    events.push(...body.events);
    expect(body.next_from_seq).toBeGreaterThan(from - 1);
    from = body.next_from_seq;
    if (!body.has_more) return events;
  }
  throw new Error('too many pages');
}

/** The bytes an item says were stored. */
function bytesOf(item: { event?: unknown; data?: string; data_base64?: string }): Uint8Array {
  if (item.data_base64 !== undefined) return Buffer.from(item.data_base64, 'base64');
  if (item.data !== undefined) return encoder.encode(item.data);
  return encoder.encode(JSON.stringify(item.event));
}

async function ndjson(path: string) {
  const res = await app.request(path, { headers: { accept: 'application/x-ndjson' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  const text = Buffer.concat(chunks).toString('utf8');
  return {
    chunks,
    text,
    lines: text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  };
}

describe('raw history (JSON pages)', () => {
  it('returns every stored sequence once, in order, exactly as stored, over pages', async () => {
    const events = await allPages('', 37);
    expect(events.map((e) => e.seq)).toEqual(published.map((p) => p.seq));
    for (const e of events) {
      const p = published[e.seq - 1]!;
      expect(e.subject).toBe(log.subjects.event(p.account, p.type));
      expect(Buffer.from(bytesOf(e)).equals(Buffer.from(p.bytes))).toBe(true);
      expect(e.stored_at).toBe(Number(BigInt(e.stored_ns) / 1_000_000n));
    }
    // malformed bodies come as text or base64; the version-1 capture as it was written
    const text = events.find((e) => e.data === 'not json at all');
    expect(text).toBeDefined();
    expect(
      events.some((e) => e.data_base64 === Buffer.from([0xff, 0xfe, 0x7b, 0x0a]).toString('base64')),
    ).toBe(true);
    const v1 = events.filter((e) => e.event?.type === 'MessageCaptured' && e.event.schema_version === 1);
    expect(v1).toHaveLength(1);
    expect(v1[0].event.payload).not.toHaveProperty('captured_by');
  });

  it('filters by account, by one or several types, and by sequence range', async () => {
    const ofB = await allPages(`account_id=${encodeURIComponent(B)}`, 50);
    expect(ofB.map((e) => e.seq)).toEqual(published.filter((p) => p.account === B).map((p) => p.seq));

    const recalls = await allPages('type=MessageRecalled', 5);
    expect(recalls.map((e) => e.seq)).toEqual(
      published.filter((p) => p.type === 'MessageRecalled').map((p) => p.seq),
    );
    const editsAndReads = await allPages('type=MessageEdited&type=MessagesMarkedRead', 20);
    expect(editsAndReads.map((e) => e.seq)).toEqual(
      published
        .filter((p) => p.type === 'MessageEdited' || p.type === 'MessagesMarkedRead')
        .map((p) => p.seq),
    );
    const capturesOfA = await allPages(`account_id=${A}&type=MessageCaptured`, 1000);
    expect(capturesOfA.map((e) => e.seq)).toEqual(
      published.filter((p) => p.account === A && p.type === 'MessageCaptured').map((p) => p.seq),
    );

    const { body } = await get(`/api/v1/audit/events?from_seq=20&to_seq=29&limit=1000`);
    expect(body.events.map((e: any) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    expect(body).toMatchObject({ has_more: false, next_from_seq: 30, to_seq: 29 });
    const beyond = await get(`/api/v1/audit/events?from_seq=${last + 5}`);
    expect(beyond.body).toMatchObject({ events: [], has_more: false, next_from_seq: last + 5, to_seq: last });
  });

  it('filters by conversation: its captures, edits, reads, recalls and actions, nothing else', async () => {
    const events = await allPages(`conversation_id=${TIMELINE_CONVERSATION}`, 3);
    const types = events.map((e) => e.event.type);
    expect(types).toEqual([
      'MessageCaptured',
      'MessageEdited',
      'MessageCaptured',
      'MessageEdited',
      'ConversationPinned',
      'MessagesMarkedRead',
      'MessageRecalled',
    ]);
    expect(events.every((e) => e.event.account_id === T)).toBe(true);
    const unknown = await get(`/api/v1/audit/events?conversation_id=c_${'x'.repeat(22)}`);
    expect(unknown.status).toBe(404);
  });

  it('names the field of bad input with a 400', async () => {
    const cases: [string, string][] = [
      ['from_seq=abc', 'from_seq'],
      ['from_seq=0', 'from_seq'],
      ['from_seq=9&to_seq=3', 'to_seq'],
      ['type=MessageExploded', 'type'],
      ['type=MessageEdited&type=Nope', 'type'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['conversation_id=conv_1', 'conversation_id'],
      ['account_id=', 'account_id'],
    ];
    for (const [query, field] of cases) {
      const { status, body } = await get(`/api/v1/audit/events?${query}`);
      expect({ query, status, field: body.error?.field }).toEqual({ query, status: 400, field });
    }
    expect((await get('/api/v1/audit/chain?seq=0')).body.error.field).toBe('seq');
    expect((await get('/api/v1/audit/chain?seq=x')).status).toBe(400);
    expect((await get('/api/v1/audit/messages/nope/timeline')).body.error.field).toBe('id');
  });
});

describe('raw history (NDJSON export)', () => {
  it('streams a range with its chain: from the stored checkpoint before it, to its end', async () => {
    const from = 15;
    const to = last - 3;
    const { chunks, lines } = await ndjson(`/api/v1/audit/events?from_seq=${from}&to_seq=${to}&limit=1`);
    expect(chunks.length).toBeGreaterThan(1); // written as it is read, not as one body
    const [header, ...rest] = lines;
    expect(header).toMatchObject({
      kind: 'header',
      format: 'im-hub-audit-export',
      version: 1,
      stream: log.stream,
      from_seq: from,
      to_seq: to,
      filter: null,
      contiguous: true,
      start: { seq: from - 1, hash: chain[from - 1] },
      checkpoint_every: EVERY,
    });
    const events = rest.filter((l) => l.kind === 'event');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: to - from + 1 }, (_, i) => from + i));
    for (const e of events)
      expect({ seq: e.seq, hash: e.hash, prev: e.prev_hash }).toEqual({
        seq: e.seq,
        hash: chain[e.seq],
        prev: chain[e.seq - 1],
      });
    const checkpoints = rest.filter((l) => l.kind === 'checkpoint');
    const expected = [];
    for (let s = 20; s <= to; s += EVERY) expected.push({ kind: 'checkpoint', seq: s, hash: chain[s] });
    expect(checkpoints).toEqual(expected);
    // each checkpoint follows its event
    for (const c of checkpoints)
      expect(rest[rest.indexOf(c) - 1]).toMatchObject({ kind: 'event', seq: c.seq });
    expect(rest[rest.length - 1]).toEqual({
      kind: 'end',
      last_seq: to,
      hash: chain[to],
      events: to - from + 1,
    });
  });

  it('exports that verify offline: a whole range, and a filtered one', async () => {
    const whole = await ndjson('/api/v1/audit/events');
    const report = await verifyExport([whole.text]);
    expect(report).toMatchObject({ ok: true, events: last, firstSeq: 1, lastSeq: last, problemCount: 0 });
    expect(report.end).toEqual({ seq: last, hash: chain[last] });
    expect(report.checkpointsChecked).toBe(Math.floor(last / EVERY));

    const filtered = await ndjson(
      `/api/v1/audit/events?account_id=${T}&type=MessageEdited&type=MessageRecalled`,
    );
    expect(filtered.lines[0]).toMatchObject({
      contiguous: false,
      filter: { account_id: T, types: ['MessageEdited', 'MessageRecalled'], conversation_id: null },
    });
    const seqs = filtered.lines.filter((l) => l.kind === 'event').map((l) => l.seq);
    expect(seqs).toEqual(
      published
        .filter((p) => p.account === T && (p.type === 'MessageEdited' || p.type === 'MessageRecalled'))
        .map((p) => p.seq),
    );
    for (const l of filtered.lines.filter((x) => x.kind === 'event')) expect(l.hash).toBe(chain[l.seq]);
    expect((await verifyExport([filtered.text])).ok).toBe(true);
  });
});

describe('message timeline', () => {
  it('lists capture, edits, read and recall in log order, with who and when', async () => {
    const { status, body } = await get(`/api/v1/audit/messages/${TIMELINE_MESSAGE}/timeline`);
    expect(status).toBe(200);
    expect(body.message).toMatchObject({
      id: TIMELINE_MESSAGE,
      account_id: T,
      platform_message_id: pmid(4),
      conversation_id: TIMELINE_CONVERSATION,
      captured: true,
      recalled: true,
    });
    const ours = published.filter(
      (p) =>
        p.account === T &&
        ((p.event as any).payload?.platform_message_id === pmid(4) || p.type === 'MessagesMarkedRead'),
    );
    expect(body.events.map((e: any) => e.seq)).toEqual(ours.map((p) => p.seq));
    expect(body.events.map((e: any) => e.kind)).toEqual(['captured', 'edited', 'edited', 'read', 'recalled']);
    const [captured, edit1, edit2, read, recalled] = body.events;
    expect(captured).toMatchObject({ by: '粉丝_1', at: (ours[0]!.event as any).payload.created_at });
    expect(edit1).toMatchObject({ by: T, at: (ours[1]!.event as any).payload.edited_at });
    expect(edit2.at).toBeGreaterThan(edit1.at);
    expect(read).toMatchObject({ by: 'reader-9', at: 1_770_000_000_000 });
    expect(recalled).toMatchObject({ by: T });
    expect(body.message.read).toEqual({ at: 1_770_000_000_000, seq: read.seq });
    for (const e of body.events) expect(e.event).toEqual(published[e.seq - 1]!.event);
  });

  it('answers 404 for a message never seen', async () => {
    const { status } = await get(`/api/v1/audit/messages/${messageId(T, 'never')}/timeline`);
    expect(status).toBe(404);
  });
});

describe('API document', () => {
  it('describes the audit routes', async () => {
    const { status, body } = await get('/openapi.json');
    expect(status).toBe(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/audit/events',
        '/api/v1/audit/messages/{id}/timeline',
        '/api/v1/audit/chain',
      ]),
    );
    expect(Object.keys(body.paths['/api/v1/audit/events'].get.responses['200'].content)).toEqual([
      'application/json',
      'application/x-ndjson',
    ]);
  });
});

describe('hash chain', () => {
  it('gives every checkpoint as an independent recomputation of the log does', async () => {
    const { body } = await get('/api/v1/audit/chain?limit=1000');
    expect(body.head).toEqual({ seq: last, hash: chain[last] });
    expect(body.checkpoint_every).toBe(EVERY);
    const expected = [];
    for (let s = EVERY; s <= last; s += EVERY) expected.push({ seq: s, hash: chain[s] });
    expect(body.checkpoints).toEqual(expected);
    expect(body.has_more).toBe(false);
    const page = await get(`/api/v1/audit/chain?after_seq=${EVERY}&limit=2`);
    expect(page.body.checkpoints).toEqual(expected.slice(1, 3));
    expect(page.body.has_more).toBe(true);
  });

  it('gives the hash at any sequence, between checkpoints too', async () => {
    for (const seq of [1, 9, EVERY, EVERY + 1, 77, last - 1, last]) {
      const { status, body } = await get(`/api/v1/audit/chain?seq=${seq}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ seq, hash: chain[seq], prev_hash: chain[seq - 1], head: { seq: last } });
      expect(body.checkpoint).toEqual(
        seq % EVERY === 0 ? { seq, hash: chain[seq], log_matches: true } : null,
      );
    }
    const ahead = await get(`/api/v1/audit/chain?seq=${last + 1}`);
    expect(ahead.status).toBe(409);
    expect(ahead.body.error).toMatchObject({ code: 'not_chained_yet', field: 'seq' });
  });
});
