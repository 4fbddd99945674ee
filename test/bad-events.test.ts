import { headers } from '@nats-io/transport-node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumReadModels, type TableChecksum } from '../src/db/checksum.js';
import { EVENT_TYPES, type HubEvent, messageId } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { withClientActions } from '../src/worker/simulate-actions.js';
import { ADVERSARIAL_STRINGS, adversarialJson } from './support/bad-input.js';
import {
  createTestDatabase,
  createTestLog,
  projectedTo,
  rebuildChecksums,
  startTestProjector,
  type TestLog,
} from './support/env.js';

// Bytes straight onto the stream's subjects, past the publisher's validation, as a broken or
// hostile worker could send them: the projector must file every malformed one in
// rejected_events with its reason, keep going, and leave the read models as they were.
// (test/ingest.test.ts has fixed examples of each kind among 10,000 good events.)

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
/** Valid events never published: the material the malformed ones are made from. */
let samples: HubEvent[];

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('bad_events'), createTestDatabase('bad_events')]);
  projector = startTestProjector(log, db, { batchSize: 50 });
  const events = [
    ...withClientActions(
      simulateEvents({ seed: 4, events: 400, accounts: 2, conversationsPerAccount: 4, runId: 'be' }),
    ),
  ];
  const published = events.slice(0, 300);
  samples = events.slice(300);
  const results = await log.publisher.publishMany(published);
  await projectedTo(db, projector.name, Math.max(...results.map((r) => r.seq)));
});

afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

/** What a malformed message does not change: every read model but the record of rejections and the chain over every stored message. */
async function readModels(): Promise<TableChecksum[]> {
  const skip = new Set(['rejected_events', 'audit_chain_heads', 'audit_chain_checkpoints']);
  return (await checksumReadModels(db.sql)).filter((t) => !skip.has(t.table));
}

interface Raw {
  kind: string;
  subject: string;
  body: Uint8Array;
  /** A `Nats-Msg-Id` (never an existing event's, which the stream would drop), or none. */
  msgId?: string;
  junkHeader?: string;
}

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const clone = <T>(v: T): T => structuredClone(v);

/** The dotted paths of an event's fields that hold a value (not null), for replacing one. */
function fieldPaths(v: unknown, at = ''): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return at ? [at] : [];
  const here = at ? [at] : [];
  return [
    ...here,
    ...Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== null && x !== undefined)
      .flatMap(([k, x]) => fieldPaths(x, at ? `${at}.${k}` : k)),
  ];
}

function setPath(o: any, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let t = o;
  for (const k of keys) t = t[k];
  if (value === undefined) delete t[last];
  else t[last] = value;
}

function getPath(o: any, path: string): unknown {
  return path.split('.').reduce((t, k) => t?.[k], o);
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A message the projector must reject, whatever else about it is random. */
function malformed(): fc.Arbitrary<Raw> {
  const event = fc.integer({ min: 0, max: 1_000_000 }).map((i) => {
    const e = clone(samples[i % samples.length]!);
    e.event_id = `bad-${i}-${e.event_id}`.slice(0, 128);
    return e;
  });
  const own = (e: HubEvent) => log.subjects.event(e.account_id, e.type);
  const kinds: fc.Arbitrary<Omit<Raw, 'msgId' | 'junkHeader'>>[] = [
    // not JSON, or not UTF-8
    fc
      .oneof(
        fc.constantFrom('', '{', '{"event_id":', 'null x', "{'a':1}", '\u0000', `${'['.repeat(5000)}`),
        fc.string({ unit: 'binary', maxLength: 30 }).map((s) => `{${s}`),
        fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Uint8Array.from([0xff, ...b])),
      )
      .chain((body) =>
        event.map((e) => ({
          kind: 'not JSON',
          subject: own(e),
          body: typeof body === 'string' ? enc(body) : body,
        })),
      ),
    // JSON, not an object
    fc
      .tuple(event, fc.constantFrom([], [1, 2], 'MessageCaptured', 42, null, true, 1e308))
      .map(([e, v]) => ({ kind: 'not an object', subject: own(e), body: enc(v) })),
    // a type nobody knows
    fc
      .tuple(
        event,
        fc.oneof(fc.constantFrom('MessageExploded', 'messagecaptured', ''), fc.string({ maxLength: 20 })),
      )
      .filter(([, t]) => !(EVENT_TYPES as readonly string[]).includes(t))
      .map(([e, t]) => ({
        kind: 'unknown type',
        subject: log.subjects.event(e.account_id, /^[A-Za-z0-9_-]+$/.test(t) ? t : 'MessageExploded'),
        body: enc({ ...e, type: t }),
      })),
    // a schema version this service does not know
    fc
      .tuple(event, fc.constantFrom(0, -1, 3, 99, '1', '2', 1.5, null, 1e308, [2], Number.MAX_SAFE_INTEGER))
      .map(([e, v]) => ({
        kind: 'unknown version',
        subject: own(e),
        body: enc({ ...e, schema_version: v }),
      })),
    // one field of the wrong type (a value of another JSON type, never null)
    fc.tuple(event, fc.nat(), adversarialJson).map(([e, n, v]) => {
      const paths = fieldPaths(e).filter((p) => p !== 'type' && p !== 'schema_version');
      const path = paths[n % paths.length]!;
      const was = typeOf(getPath(e, path));
      const value = typeOf(v) !== was && v !== null ? v : was === 'string' ? 12345 : '昨天';
      const body = clone(e) as any;
      setPath(body, path, value);
      return { kind: `wrong type at ${path}`, subject: own(e), body: enc(body) };
    }),
    // a field every event has, missing
    fc
      .tuple(
        event,
        fc.constantFrom('event_id', 'account_id', 'occurred_at', 'captured_at', 'payload', 'type'),
      )
      .map(([e, k]) => {
        const body = clone(e) as any;
        delete body[k];
        return { kind: `missing ${k}`, subject: own(e), body: enc(body) };
      }),
    // past a size limit, or not a sane id
    fc
      .tuple(
        event,
        fc.constantFrom<[string, unknown]>(
          ['event_id', 'e'.repeat(129)],
          ['event_id', 'has space'],
          ['account_id', 'a'.repeat(257)],
          ['account_id', 'dy\u0000null'],
          ['account_id', 'dy\uD800'],
          ['account_id', ''],
          ['payload.content', '长'.repeat(65_537)],
          ['payload.sender.name', 'n'.repeat(257)],
          ['occurred_at', -1],
          ['occurred_at', 8_640_000_000_000_001],
          ['captured_at', 1.5],
        ),
      )
      .filter(([e, [path]]) => !path.startsWith('payload.') || getPath(e, path) !== undefined)
      .map(([e, [path, v]]) => {
        const body = clone(e) as any;
        setPath(body, path, v);
        const subject = path === 'account_id' && v !== '' ? log.subjects.event(String(v), e.type) : own(e);
        return { kind: `bad ${path}`, subject, body: enc(body) };
      }),
    // text no read model can hold: NUL, a lone surrogate (in JSON as an escape)
    fc.tuple(event, fc.constantFrom('a\u0000b', '\u0000', '\uD800', 'x\uDC00y')).map(([e, text]) => {
      const body = clone(e) as any;
      const path =
        ['payload.content', 'payload.new_content', 'payload.sender.name', 'payload.notes'].find(
          (p) => typeof getPath(body, p) === 'string',
        ) ?? 'actor';
      setPath(body, path, text);
      return { kind: `unstorable ${path}`, subject: own(e), body: enc(body) };
    }),
    // a valid event on a subject that names another account or type, or no account at all
    fc
      .tuple(event, fc.constantFrom('other account', 'other type', 'extra token', 'no account'))
      .map(([e, how]) => {
        const other = EVENT_TYPES.find((t) => t !== e.type)!;
        const subject =
          how === 'other account'
            ? log.subjects.event(`${e.account_id}-other`, e.type)
            : how === 'other type'
              ? log.subjects.event(e.account_id, other)
              : how === 'extra token'
                ? `${own(e)}.extra`
                : `${log.subjects.prefix}.${e.type}`;
        return { kind: `valid event, ${how}'s subject`, subject, body: enc(e) };
      }),
  ];
  return fc
    .tuple(
      fc.oneof(...kinds),
      fc.option(fc.uuid(), { nil: undefined }),
      fc.option(fc.constantFrom(...ADVERSARIAL_STRINGS.filter((s) => /^[\x20-\x7e]+$/.test(s))), {
        nil: undefined,
      }),
    )
    .map(([raw, msgId, junkHeader]) => ({ ...raw, msgId, junkHeader }));
}

async function publishRaw(m: Raw): Promise<{ seq: number; duplicate: boolean }> {
  let h: ReturnType<typeof headers> | undefined;
  if (m.junkHeader !== undefined) {
    h = headers();
    h.set('X-Junk', m.junkHeader);
  }
  const ack = await log.js.publish(m.subject, m.body, { msgID: m.msgId, headers: h });
  return { seq: ack.seq, duplicate: ack.duplicate };
}

describe('malformed events on the stream', () => {
  it('files every one in rejected_events with its reason, never stalls, and changes no read model', async () => {
    let total = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(malformed(), { minLength: 1, maxLength: 8 }), async (batch) => {
        const before = await readModels();
        const stored: { seq: number; kind: string; subject: string }[] = [];
        for (const m of batch) {
          const ack = await publishRaw(m);
          if (!ack.duplicate) stored.push({ seq: ack.seq, kind: m.kind, subject: m.subject });
        }
        const last = (await log.jsm.streams.info(log.stream)).state.last_seq;
        await projectedTo(db, projector.name, last, 30_000);
        const rows = await db.sql<{ seq: number; reason: string; subject: string; stream: string }[]>`
          select seq, reason, subject, stream from rejected_events
          where seq = any(${stored.map((s) => s.seq)}::bigint[]) order by seq`;
        expect(rows.map((r) => [r.seq, r.subject])).toEqual(stored.map((s) => [s.seq, s.subject]));
        for (const [i, r] of rows.entries()) {
          expect(r.reason, stored[i]!.kind).toMatch(/\S{3}/);
          expect(r.stream).toBe(log.stream);
        }
        expect(await readModels()).toEqual(before);
        total += stored.length;
      }),
      { seed: 20251022, numRuns: 40 },
    );
    expect(total).toBeGreaterThan(40);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from rejected_events`;
    expect(row?.n).toBe(total);
  });

  it('goes on projecting good events after them, hostile text kept as sent, into the same read models as a clean projection', async () => {
    const capture = samples.find((e) => e.type === 'MessageCaptured')!;
    const hostile = ADVERSARIAL_STRINGS.filter((s) => s.isWellFormed() && !s.includes('\u0000')).map(
      (content, i) => ({
        ...capture,
        event_id: `hostile-${i}`,
        payload: {
          ...capture.payload,
          platform_message_id: `hostile-${i}`,
          content,
          sender: { ...capture.payload.sender, name: content.slice(0, 256) },
        },
      }),
    );
    const seqs = await log.publisher.publishMany([...samples.slice(0, 20), ...hostile]);
    await projectedTo(db, projector.name, Math.max(...seqs.map((s) => s.seq)));
    const stored = await db.sql<{ id: string; content: string }[]>`
      select id, content from messages where id = any(${hostile.map((e) => messageId(e.account_id, e.payload.platform_message_id))})`;
    expect(new Map(stored.map((r) => [r.id, r.content]))).toEqual(
      new Map(
        hostile.map((e) => [messageId(e.account_id, e.payload.platform_message_id), e.payload.content]),
      ),
    );
    const { live, rebuilt } = await rebuildChecksums(log, db, 'bad_events_rebuilt');
    expect(live).toEqual(rebuilt);
  });
});
