import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationId, type HubEvent, messageId } from '../src/events/index.js';
import { silentLogger } from '../src/logger.js';
import { createProjector, type Projector } from '../src/projections/projector.js';
import { DM_LINES, NICKNAMES } from '../src/worker/corpus.js';
import { createRandom } from '../src/worker/simulate.js';
import { createTestDatabase, createTestLog, projectedTo, type TestLog } from './support/env.js';

// 10,000 captures over 100 conversations and 3 accounts, with exact re-publishes,
// re-captures under new event ids, malformed events, and edits and recalls (some before
// their message). The expected read models are computed here, independently of the
// projector, from what the stream actually stored.

const ACCOUNTS = ['dy_甲', 'dy.2', 'dy 3>*'];
const CAPTURES = 10_000;
const rnd = createRandom(20251022);

type Op =
  | { kind: 'event'; event: HubEvent; tag: 'capture' | 'recapture' | 'duplicate' | 'edit' | 'recall' }
  | { kind: 'raw'; subject: (log: TestLog) => string; body: Uint8Array; expect: RegExp };

const base = Date.UTC(2025, 9, 22);
const fans = NICKNAMES.map((name, i) => ({ platform_user_id: `fan_${i}`, name }));
const convOf = (k: number) => ({
  account: ACCOUNTS[k % 3]!,
  channel: k % 5 === 4 ? ('comment' as const) : ('direct' as const),
  id: `conv_${k}`,
});

function buildOps(): { op: Op; key: number }[] {
  const ops: { op: Op; key: number }[] = [];
  const captures: HubEvent[] = [];
  for (let i = 0; i < CAPTURES; i++) {
    const k = rnd.int(100);
    const c = convOf(k);
    const inbound = c.channel === 'comment' || rnd.chance(0.8);
    const created = base + i * 1000 + rnd.int(5000); // platform times overlap across captures
    const fan = fans[(k + (c.channel === 'comment' ? rnd.int(5) : 0)) % fans.length]!;
    const event: HubEvent = {
      event_id: `cap-${i}`,
      type: 'MessageCaptured',
      schema_version: 2,
      account_id: c.account,
      occurred_at: created,
      captured_at: created + 1000 + rnd.int(10_000),
      payload: {
        platform_message_id: `pm_${i}`,
        channel: c.channel,
        conversation_id: c.id,
        direction: inbound ? 'inbound' : 'outbound',
        sender: inbound
          ? { ...fan, follower_count: rnd.int(1000) }
          : { platform_user_id: `self_${c.account}`, name: '店铺客服' },
        content: `${rnd.pick(DM_LINES)} #${i}`,
        message_type: 'text',
        created_at: created,
        captured_by: null,
      },
    };
    captures.push(event);
    ops.push({ op: { kind: 'event', event, tag: 'capture' }, key: i });
  }
  const target = () => captures[rnd.int(CAPTURES)] as Extract<HubEvent, { type: 'MessageCaptured' }>;
  const index = (e: HubEvent) => Number(e.event_id.slice(4));
  for (let j = 0; j < 100; j++) {
    const t = target();
    ops.push({ op: { kind: 'event', event: t, tag: 'duplicate' }, key: index(t) + 0.5 + rnd.int(200) });
  }
  for (let j = 0; j < 100; j++) {
    const t = target();
    // a later re-capture with a new id, different content and an older profile observation
    const event: HubEvent = {
      ...t,
      event_id: `recap-${j}`,
      captured_at: t.captured_at - 1,
      payload: { ...t.payload, content: '不应出现', sender: { ...t.payload.sender, name: '旧昵称' } },
    };
    ops.push({ op: { kind: 'event', event, tag: 'recapture' }, key: index(t) + 1 + rnd.int(1000) });
  }
  for (let j = 0; j < 400; j++) {
    const t = target();
    const early = j % 8 === 0; // one in eight arrives before its message
    const key = early ? index(t) - 1 - rnd.int(50) : index(t) + 1 + rnd.int(500);
    const at = t.payload.created_at + 60_000 + rnd.int(600_000);
    const common = {
      account_id: t.account_id,
      occurred_at: at,
      captured_at: at + 100,
      schema_version: 1 as const,
    };
    const event: HubEvent =
      j % 5 < 3
        ? {
            ...common,
            event_id: `edit-${j}`,
            type: 'MessageEdited',
            payload: {
              platform_message_id: t.payload.platform_message_id,
              conversation_id: t.payload.conversation_id,
              new_content: `修改后 ${j}`,
              edited_at: at,
              edited_by: t.payload.sender.platform_user_id,
            },
          }
        : {
            ...common,
            event_id: `recall-${j}`,
            type: 'MessageRecalled',
            payload: {
              platform_message_id: t.payload.platform_message_id,
              conversation_id: t.payload.conversation_id,
              recalled_at: at,
              recalled_by: t.payload.sender.platform_user_id,
            },
          };
    ops.push({ op: { kind: 'event', event, tag: event.type === 'MessageEdited' ? 'edit' : 'recall' }, key });
  }
  const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
  for (let j = 0; j < 100; j++) {
    const t = target();
    const on = (account: string, type: string) => (log: TestLog) => log.subjects.event(account, type);
    const variants: Op[] = [
      {
        kind: 'raw',
        subject: on(t.account_id, 'MessageCaptured'),
        body: enc('{"event_id": "x", '),
        expect: /^\(body\): not UTF-8 JSON/,
      },
      {
        kind: 'raw',
        subject: on(t.account_id, 'MessageCaptured'),
        body: new Uint8Array([0xc3, 0x28]),
        expect: /^\(body\)/,
      },
      {
        kind: 'raw',
        subject: on(t.account_id, 'MessageCaptured'),
        body: enc({ ...t, event_id: `bad-${j}`, payload: { ...t.payload, content: undefined } }),
        expect: /^payload\.content:/,
      },
      {
        kind: 'raw',
        subject: on(t.account_id, 'MessageCaptured'),
        body: enc({ ...t, event_id: `bad-${j}`, payload: { ...t.payload, created_at: '昨天' } }),
        expect: /^payload\.created_at:/,
      },
      {
        kind: 'raw',
        subject: on(t.account_id, 'MessageExploded'),
        body: enc({ ...t, event_id: `bad-${j}`, type: 'MessageExploded' }),
        expect: /^type: unknown event type/,
      },
      // valid body on another account's subject: a worker must not file events under someone else
      {
        kind: 'raw',
        subject: on(`${t.account_id}-other`, 'MessageCaptured'),
        body: enc({ ...t, event_id: `bad-${j}` }),
        expect: /does not match/,
      },
    ];
    ops.push({ op: variants[j % variants.length]!, key: rnd.int(CAPTURES) + 0.25 });
  }
  return ops.sort((a, b) => a.key - b.key);
}

interface Expected {
  messages: Map<
    string,
    {
      content: string;
      recalled: boolean;
      edited: boolean;
      conversation: string;
      inbound: boolean;
      createdAt: number;
      captureSeq: number;
      sender: string;
    }
  >;
  users: Map<string, { name: string; at: number; seq: number; count: number }>;
}

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
const stored: { seq: number; op: Op; duplicate: boolean }[] = [];

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('ingest'), createTestDatabase('ingest')]);
  projector = createProjector(
    { sql: db.sql, js: log.js, stream: log.stream, subjects: log.subjects, log: silentLogger() },
    { batchSize: 500 },
  );
  projector.start();
  const ops = buildOps();
  // Publish in order with up to 256 acknowledgements outstanding, while the projector runs.
  const pending: Promise<void>[] = [];
  for (const { op } of ops) {
    const p =
      op.kind === 'event'
        ? log.publisher.publish(op.event).then((r) => {
            stored.push({ seq: r.seq, op, duplicate: r.duplicate });
          })
        : log.js.publish(op.subject(log), op.body).then((a) => {
            stored.push({ seq: a.seq, op, duplicate: a.duplicate });
          });
    pending.push(p);
    if (pending.length >= 256) await pending.shift();
  }
  await Promise.all(pending);
  stored.sort((a, b) => a.seq - b.seq);
  await projectedTo(db, projector.name, stored[stored.length - 1]!.seq);
});

afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

function expectedModel(): Expected {
  const messages: Expected['messages'] = new Map();
  const edits = new Map<string, { at: number; seq: number; content: string }>();
  const recalls = new Set<string>();
  const users: Expected['users'] = new Map();
  for (const { seq, op, duplicate } of stored) {
    if (op.kind !== 'event' || duplicate) continue;
    const e = op.event;
    if (e.type !== 'MessageCaptured' && e.type !== 'MessageEdited' && e.type !== 'MessageRecalled') continue;
    const id = messageId(e.account_id, e.payload.platform_message_id);
    if (e.type === 'MessageCaptured') {
      const p = e.payload;
      const first = !messages.has(id);
      if (first) {
        messages.set(id, {
          content: p.content,
          recalled: false,
          edited: false,
          conversation: conversationId(e.account_id, p.channel, p.conversation_id),
          inbound: p.direction === 'inbound',
          createdAt: p.created_at,
          captureSeq: seq,
          sender: p.sender.platform_user_id,
        });
      }
      const u = users.get(p.sender.platform_user_id);
      const newer = !u || e.captured_at > u.at || (e.captured_at === u.at && seq > u.seq);
      const next = newer ? { name: p.sender.name!, at: e.captured_at, seq, count: u?.count ?? 0 } : u!;
      if (first) next.count++;
      users.set(p.sender.platform_user_id, next);
    } else if (e.type === 'MessageEdited') {
      const prev = edits.get(id);
      if (!prev || e.payload.edited_at > prev.at || (e.payload.edited_at === prev.at && seq > prev.seq)) {
        edits.set(id, { at: e.payload.edited_at, seq, content: e.payload.new_content });
      }
    } else {
      recalls.add(id);
    }
  }
  for (const [id, m] of messages) {
    const edit = edits.get(id);
    if (edit) Object.assign(m, { content: edit.content, edited: true });
    if (recalls.has(id)) m.recalled = true;
  }
  return { messages, users };
}

describe('ingest of 10,000 captures with duplicates, malformed events and early edits', () => {
  it('stores exact re-publishes once', () => {
    expect(stored.filter((s) => s.duplicate)).toHaveLength(100);
  });

  it('holds exactly the expected messages and contents', async () => {
    const expected = expectedModel();
    expect(expected.messages.size).toBe(CAPTURES);
    const rows = await db.sql<
      {
        id: string;
        content: string;
        recalled: boolean;
        edited: boolean;
        conversation_id: string;
        capture_seq: number;
        sender_id: string;
      }[]
    >`select id, content, recalled, edited, conversation_id, capture_seq, sender_id from messages`;
    expect(rows).toHaveLength(CAPTURES);
    let edited = 0;
    let recalled = 0;
    for (const r of rows) {
      const m = expected.messages.get(r.id);
      expect(m, r.id).toBeDefined();
      expect({
        id: r.id,
        content: r.content,
        recalled: r.recalled,
        edited: r.edited,
        conv: r.conversation_id,
        seq: r.capture_seq,
        sender: r.sender_id,
      }).toEqual({
        id: r.id,
        content: m!.content,
        recalled: m!.recalled,
        edited: m!.edited,
        conv: m!.conversation,
        seq: m!.captureSeq,
        sender: m!.sender,
      });
      if (r.edited) edited++;
      if (r.recalled) recalled++;
    }
    expect(edited).toBeGreaterThan(150);
    expect(recalled).toBeGreaterThan(100);
    expect(rows.some((r) => r.content === '不应出现')).toBe(false);
  });

  it('has the expected unread counts, message counts and last messages', async () => {
    const { messages } = expectedModel();
    const convs = new Map<
      string,
      { unread: number; count: number; last: string | null; lastAt: [number, number] }
    >();
    for (const [id, m] of messages) {
      const c = convs.get(m.conversation) ?? { unread: 0, count: 0, last: null, lastAt: [-1, -1] };
      if (!m.recalled) {
        c.count++;
        if (m.inbound) c.unread++;
        if (m.createdAt > c.lastAt[0] || (m.createdAt === c.lastAt[0] && m.captureSeq > c.lastAt[1])) {
          c.last = id;
          c.lastAt = [m.createdAt, m.captureSeq];
        }
      }
      convs.set(m.conversation, c);
    }
    const rows = await db.sql<
      { id: string; unread_count: number; message_count: number; last_message_id: string | null }[]
    >`
      select id, unread_count, message_count, last_message_id from conversations`;
    expect(rows).toHaveLength(100);
    for (const r of rows) {
      const c = convs.get(r.id)!;
      expect({ id: r.id, unread: r.unread_count, count: r.message_count, last: r.last_message_id }).toEqual({
        id: r.id,
        unread: c.unread,
        count: c.count,
        last: c.last,
      });
    }
    const [accounts] = await db.sql<
      { n: number; total: number }[]
    >`select count(*)::int n, sum(message_count)::int total from accounts`;
    expect(accounts).toEqual({ n: 3, total: CAPTURES });
  });

  it('keeps the newest profile of each user, whatever the arrival order', async () => {
    const { users } = expectedModel();
    const rows = await db.sql<{ platform_user_id: string; name: string; message_count: number }[]>`
      select platform_user_id, name, message_count from users`;
    expect(rows).toHaveLength(users.size);
    for (const r of rows) {
      const u = users.get(r.platform_user_id)!;
      expect([r.platform_user_id, r.name, r.message_count]).toEqual([r.platform_user_id, u.name, u.count]);
    }
    expect(rows.some((r) => r.name === '旧昵称')).toBe(false);
  });

  it('records every malformed event with its reason and moves on', async () => {
    const malformed = stored.filter((s) => s.op.kind === 'raw');
    expect(malformed).toHaveLength(100);
    const rows = await db.sql<{ seq: number; reason: string; stream: string }[]>`
      select seq, reason, stream from rejected_events order by seq`;
    expect(rows.map((r) => r.seq)).toEqual(malformed.map((m) => m.seq));
    for (const [i, r] of rows.entries()) {
      const op = malformed[i]!.op as Extract<Op, { kind: 'raw' }>;
      expect(r.reason).toMatch(op.expect);
      expect(r.stream).toBe(log.stream);
    }
  });
});
