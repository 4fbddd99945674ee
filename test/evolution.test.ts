import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumReadModels } from '../src/db/checksum.js';
import type { HubEvent, MessageCapturedV1 } from '../src/events/index.js';
import { verifyReadModels } from '../src/replay/verify.js';
import { type ChatOp, chatEvents } from './support/chat-events.js';
import {
  createTestDatabase,
  createTestLog,
  natsUrl,
  projectedTo,
  requestJson,
  startTestProjector,
  type TestLog,
  testApp,
} from './support/env.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

/** What an older worker wrote: version 1 of the capture, without `captured_by`. */
function asVersion1(e: Extract<HubEvent, { type: 'MessageCaptured' }>): MessageCapturedV1 {
  const { captured_by: _, ...payload } = e.payload;
  return { ...e, schema_version: 1, payload };
}

const ACCOUNT = 'dy_evolution';
const ops: ChatOp[] = [];
for (let msg = 0; msg < 24; msg++) {
  ops.push({ kind: 'capture', msg, inbound: msg % 4 !== 3 });
  if (msg % 5 === 2) ops.push({ kind: 'edit', msg: msg - 1 });
  if (msg % 7 === 6) ops.push({ kind: 'recall', msg: msg - 2 });
  if (msg % 8 === 7) ops.push({ kind: 'read', conv: msg % 3 });
}
const build = chatEvents('evo');
const events = ops.map((op) => build(ACCOUNT, op));

let mixed: TestLog;
let current: TestLog;
let mixedDb: TestDb;
let currentDb: TestDb;

beforeAll(async () => {
  [mixed, current, mixedDb, currentDb] = await Promise.all([
    createTestLog('evo_mixed'),
    createTestLog('evo_current'),
    createTestDatabase('evo_mixed'),
    createTestDatabase('evo_current'),
  ]);
  // An old log: every other capture as version 1, bytes written as an older worker wrote them
  // (the publisher would upcast them, so they go to the stream directly).
  let captures = 0;
  for (const e of events) {
    if (e.type === 'MessageCaptured' && captures++ % 2 === 0) {
      await mixed.js.publish(
        mixed.subjects.event(e.account_id, e.type),
        new TextEncoder().encode(JSON.stringify(asVersion1(e))),
        { msgID: e.event_id },
      );
    } else {
      await mixed.publisher.publish(e);
    }
    await current.publisher.publish(e);
  }
});

afterAll(async () => {
  await Promise.all([mixed?.close(), current?.close(), mixedDb?.drop(), currentDb?.drop()]);
});

describe('schema evolution', () => {
  it('holds both versions of MessageCaptured in the old log', async () => {
    const versions = new Set<number>();
    const last = (await mixed.jsm.streams.info(mixed.stream)).state.last_seq;
    for (let seq = 1; seq <= last; seq++) {
      const m = await mixed.jsm.streams.getMessage(mixed.stream, { seq });
      const e = m!.json<{ type: string; schema_version: number }>();
      if (e.type === 'MessageCaptured') versions.add(e.schema_version);
    }
    expect([...versions].sort()).toEqual([1, 2]);
  });

  it('replays a log mixing versions 1 and 2 into exactly the read models of an all-version-2 log', async () => {
    const last = events.length;
    const a = startTestProjector(mixed, mixedDb);
    const b = startTestProjector(current, currentDb);
    await Promise.all([projectedTo(mixedDb, a.name, last), projectedTo(currentDb, b.name, last)]);
    await Promise.all([a.stop(), b.stop()]);

    const readModels = async (db: TestDb) =>
      (await checksumReadModels(db.sql)).filter((t) => !t.table.startsWith('audit_'));
    const [fromMixed, fromCurrent] = await Promise.all([readModels(mixedDb), readModels(currentDb)]);
    expect(fromMixed).toEqual(fromCurrent);
    expect(fromMixed.find((t) => t.table === 'rejected_events')!.rows).toBe(0);
    expect(fromMixed.find((t) => t.table === 'messages')!.rows).toBe(24);

    // and a bulk replay (`verify`) of the mixed log gives the live rows: an upcast event
    // crosses from the reader thread serialized again, the others as their text on the log
    const verified = await verifyReadModels({
      sql: mixedDb.sql,
      databaseUrl: mixedDb.url,
      natsUrl: natsUrl(),
      stream: mixed.stream,
      subjects: mixed.subjects,
      projector: a.name,
    });
    expect(verified.tables.filter((t) => !t.same)).toEqual([]);
    expect(verified.same).toBe(true);

    // and through the API: a version-1 message reads like any other
    const { body } = await requestJson(
      testApp(mixedDb),
      'GET',
      `/api/v1/messages?account_id=${ACCOUNT}&limit=100&include_recalled=true`,
    );
    expect(body.messages).toHaveLength(24);
  });
});
