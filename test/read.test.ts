import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActions } from '../src/commands/actions.js';
import { conversationId, type HubEvent, messageId } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter } from '../src/projections/wait.js';
import { createRandom } from '../src/worker/simulate.js';
import {
  createTestDatabase,
  createTestLog,
  projectedTo,
  rebuildChecksums,
  requestJson,
  startTestProjector,
  type TestLog,
  testApp,
} from './support/env.js';

// Read state: every mark-read is an event; counts follow the rules and never drift.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let app: ReturnType<typeof testApp>;
const A = 'dy_read';
let n = 0;

function capture(
  pmid: string,
  conv: string,
  createdAt: number,
  direction: 'inbound' | 'outbound' = 'inbound',
): HubEvent {
  return {
    event_id: `r-${pmid}-${++n}`,
    type: 'MessageCaptured',
    schema_version: 2,
    account_id: A,
    occurred_at: createdAt,
    captured_at: createdAt + 10,
    payload: {
      platform_message_id: pmid,
      channel: 'direct',
      conversation_id: conv,
      direction,
      sender:
        direction === 'inbound'
          ? { platform_user_id: `fan_${conv}`, name: `粉丝${conv}` }
          : { platform_user_id: A },
      content: `消息${pmid}`,
      message_type: 'text',
      created_at: createdAt,
      captured_by: null,
    },
  };
}
async function publish(events: HubEvent[]) {
  const r = await log.publisher.publishMany(events);
  await projectedTo(db, projector.name, Math.max(...r.map((x) => x.seq)));
}
const call = (method: string, path: string, body?: unknown) => requestJson(app, method, path, body);
const conv = (k: string) => conversationId(A, 'direct', k);
const unread = async (k: string) => (await call('GET', `/api/v1/conversations/${conv(k)}`)).body.unread_count;

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('read'), createTestDatabase('read')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  app = testApp(db, { actions: createActions({ publisher: log.publisher, waitFor }), waitFor }, { log });
  await publish([
    capture('a1', 'ca', 1000),
    capture('a2', 'ca', 2000),
    capture('a3', 'ca', 3000, 'outbound'),
    capture('a4', 'ca', 4000),
    capture('b1', 'cb', 1000),
    capture('b2', 'cb', 2000),
    capture('c1', 'cc', 1000),
    capture('d1', 'cd', 1000),
  ]);
});

afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('read state', () => {
  it('marks a conversation read up to a time: updated counts changes, twice updates 0', async () => {
    expect(await unread('ca')).toBe(3);
    const r = await call('PATCH', '/api/v1/messages/mark-read', {
      conversation_id: conv('ca'),
      read_at: 2500,
    });
    expect(r).toMatchObject({ status: 200, body: { updated: 2, projected: true } });
    expect(await unread('ca')).toBe(1);
    expect(
      (await call('PATCH', '/api/v1/messages/mark-read', { conversation_id: conv('ca'), read_at: 2500 })).body
        .updated,
    ).toBe(0);
  });

  it('a message captured after the mark but created before it counts as read', async () => {
    await publish([capture('a0', 'ca', 1500), capture('a5', 'ca', 5000)]);
    expect(await unread('ca')).toBe(2);
    const m = (await call('GET', `/api/v1/messages/${messageId(A, 'a0')}`)).body;
    expect(m.id).toBe(messageId(A, 'a0'));
    const [row] = await db.sql<
      { read_at: number }[]
    >`select read_at from messages where id = ${messageId(A, 'a0')}`;
    expect(row!.read_at).toBe(2500);
  });

  it('marks single messages, by list or one at a time', async () => {
    const r = await call('PATCH', '/api/v1/messages/mark-read', {
      message_ids: [messageId(A, 'b1'), messageId(A, 'c1')],
    });
    expect(r.body.updated).toBe(2);
    expect([await unread('cb'), await unread('cc')]).toEqual([1, 0]);
    expect((await call('POST', `/api/v1/messages/${messageId(A, 'b2')}/read`)).body.updated).toBe(1);
    expect((await call('POST', `/api/v1/messages/${messageId(A, 'b2')}/read`)).body.updated).toBe(0);
  });

  it('a recalled unread message stops counting', async () => {
    await publish([
      {
        event_id: `recall-d1-${++n}`,
        type: 'MessageRecalled',
        schema_version: 1,
        account_id: A,
        occurred_at: 9000,
        captured_at: 9000,
        payload: {
          platform_message_id: 'd1',
          conversation_id: 'cd',
          recalled_at: 9000,
          recalled_by: 'fan_cd',
        },
      },
    ]);
    expect(await unread('cd')).toBe(0);
  });

  it('summarises unread, leaving muted, archived and blocked conversations out of the total', async () => {
    const summary = (await call('GET', `/api/v1/unread-summary?account_id=${A}`)).body;
    expect(summary.total_unread).toBe(2);
    expect(summary.conversations_unread).toEqual([
      { conversation_id: conv('ca'), unread_count: 2, last_unread_message: '消息a5', last_unread_time: 5000 },
    ]);
    expect((await call('GET', `/api/v1/conversations/unread/summary?account_id=${A}`)).body).toEqual(summary);
    await call('PATCH', `/api/v1/conversations/${conv('ca')}`, { mute_until: Date.now() + 60_000 });
    expect((await call('GET', `/api/v1/unread-summary?account_id=${A}`)).body.total_unread).toBe(0);
    await call('PATCH', `/api/v1/conversations/${conv('ca')}`, { mute_until: null, is_archived: true });
    expect((await call('GET', `/api/v1/unread-summary?account_id=${A}`)).body.total_unread).toBe(0);
    await call('PATCH', `/api/v1/conversations/${conv('ca')}`, { is_archived: false });
    await call('POST', `/api/v1/users/fan_ca/block?account_id=${A}`);
    expect((await call('GET', `/api/v1/unread-summary?account_id=${A}`)).body.total_unread).toBe(0);
    await call('DELETE', `/api/v1/users/fan_ca/block?account_id=${A}`);
    expect((await call('GET', `/api/v1/unread-summary?account_id=${A}`)).body.total_unread).toBe(2);
  });

  it('rejects bad input and unknown ids', async () => {
    const both = await call('PATCH', '/api/v1/messages/mark-read', {
      conversation_id: conv('ca'),
      message_ids: [messageId(A, 'a1')],
    });
    expect([both.status, both.body.error.field]).toEqual([400, 'conversation_id']);
    expect((await call('PATCH', '/api/v1/messages/mark-read', {})).body.error.field).toBe('conversation_id');
    expect((await call('PATCH', '/api/v1/messages/mark-read', { message_ids: ['x'] })).body.error.field).toBe(
      'message_ids.0',
    );
    expect((await call('PATCH', '/api/v1/messages/mark-read', { conversation_id: conv('zz') })).status).toBe(
      404,
    );
    expect((await call('POST', `/api/v1/messages/${messageId(A, 'zz')}/read`)).status).toBe(404);
  });

  it('concurrent marks and new messages never let a count drift or go negative', async () => {
    const rnd = createRandom(77);
    const convs = ['x1', 'x2', 'x3', 'x4'];
    let t = 10_000;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 30; i++) {
        const k = rnd.pick(convs);
        if (rnd.chance(0.6)) {
          t += 7;
          await log.publisher.publish(capture(`w${w}-${i}`, k, t - rnd.int(200)));
        } else if (await call('GET', `/api/v1/conversations/${conv(k)}`).then((r) => r.status === 200)) {
          const body = rnd.chance(0.5)
            ? { conversation_id: conv(k), read_at: t - rnd.int(300) }
            : { message_ids: [messageId(A, `w${rnd.int(4)}-${rnd.int(30)}`)] };
          const r = await call('PATCH', '/api/v1/messages/mark-read', body);
          expect([200, 404]).toContain(r.status);
        }
      }
    });
    await Promise.all(writers);
    await projectedTo(db, projector.name, (await log.jsm.streams.info(log.stream)).state.last_seq);
    const rows = await db.sql<{ id: string; unread_count: number; actual: number }[]>`
      select c.id, c.unread_count, (select count(*)::int from messages m where m.conversation_id = c.id and m.capture_seq is not null
        and m.direction = 'inbound' and not m.recalled and m.read_at is null) as actual
      from conversations c where c.account_id = ${A}`;
    expect(rows.length).toBeGreaterThan(4);
    for (const r of rows) expect([r.id, r.unread_count]).toEqual([r.id, r.actual]);
    expect(rows.every((r) => r.unread_count >= 0)).toBe(true);
  });

  it("a friend's new name reaches all their conversations, and the list searches names and last messages", async () => {
    const named = (
      pmid: string,
      account: string,
      convKey: string,
      name: string,
      capturedAt: number,
    ): HubEvent => ({
      event_id: `named-${pmid}`,
      type: 'MessageCaptured',
      schema_version: 2,
      account_id: account,
      occurred_at: capturedAt,
      captured_at: capturedAt,
      payload: {
        platform_message_id: pmid,
        channel: 'direct',
        conversation_id: convKey,
        direction: 'inbound',
        sender: { platform_user_id: 'fan_rename', name },
        content: `我是${name}，想问一下退款进度`,
        message_type: 'text',
        created_at: capturedAt,
        captured_by: null,
      },
    });
    await publish([named('n1', A, 'cr1', '旧名字', 100), named('n2', 'dy_other', 'cr2', '旧名字', 200)]);
    await publish([named('n3', A, 'cr3', '新名字', 300)]);
    const names = await db.sql<{ friend_name: string }[]>`
      select friend_name from conversations where friend_id = 'fan_rename' order by id`;
    expect(names.map((r) => r.friend_name)).toEqual(['新名字', '新名字', '新名字']);
    const byName = (
      await call('GET', `/api/v1/conversations?account_id=${A}&search=${encodeURIComponent('名字')}`)
    ).body;
    expect(byName.conversations.map((c: any) => c.platform_conversation_id).sort()).toEqual(['cr1', 'cr3']);
    const byText = (
      await call('GET', `/api/v1/conversations?account_id=${A}&search=${encodeURIComponent('退款进度')}`)
    ).body;
    expect(byText.total).toBe(2);
    // the old name is no longer the friend's, but cr1's last message still says it
    const old = (
      await call('GET', `/api/v1/conversations?account_id=${A}&search=${encodeURIComponent('旧名字')}`)
    ).body;
    expect(old.conversations.map((c: any) => [c.platform_conversation_id, c.friend_name])).toEqual([
      ['cr1', '新名字'],
    ]);
  });

  it('a new inbound message un-archives nothing but counts as unread', async () => {
    await call('PATCH', `/api/v1/conversations/${conv('cc')}`, { is_archived: true });
    const before = (await call('GET', `/api/v1/conversations/${conv('cc')}`)).body;
    await publish([capture('c9', 'cc', 50_000)]);
    const after = (await call('GET', `/api/v1/conversations/${conv('cc')}`)).body;
    expect([after.is_archived, after.unread_count]).toEqual([true, before.unread_count + 1]);
  });

  it('replaying the log rebuilds the same read state, counts and names', async () => {
    const { live, rebuilt } = await rebuildChecksums(log, db, 'read_rebuild');
    expect(rebuilt).toEqual(live);
  });
});
