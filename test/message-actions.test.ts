import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActions } from '../src/commands/actions.js';
import { conversationId, type HubEvent, messageId, parseEvent } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter } from '../src/projections/wait.js';
import type { Sync } from '../src/sync/index.js';
import {
  bearer,
  createLoggedKey,
  createTestDatabase,
  createTestLog,
  publishProjected,
  rebuildChecksums,
  requestJson,
  startTestProjector,
  type TestLog,
  testApp,
  testSync,
} from './support/env.js';

// Edit history, operators' edits and recalls: every change is an event on the log, every
// version stays readable, and a recalled message leaves every list but the audit's.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let sync: Sync;
let app: ReturnType<typeof testApp>;
/** Operator keys by name: a key's name is the actor of what it does. */
const ops: Record<string, Record<string, string>> = {};
const A = 'dy_客服甲';
const T0 = 1_761_100_000_000;
let n = 0;

function capture(
  pmid: string,
  conv: string,
  at: number,
  direction: 'inbound' | 'outbound',
  content: string,
): HubEvent {
  return {
    event_id: `ma-c-${++n}`,
    type: 'MessageCaptured',
    schema_version: 2,
    account_id: A,
    occurred_at: at,
    captured_at: at + 50,
    payload: {
      platform_message_id: pmid,
      channel: 'direct',
      conversation_id: conv,
      direction,
      sender:
        direction === 'inbound'
          ? { platform_user_id: `粉丝_${conv}`, name: '小美' }
          : { platform_user_id: A },
      content,
      message_type: 'text',
      created_at: at,
      captured_by: null,
    },
  };
}
function edit(pmid: string, conv: string, content: string, editedAt: number): HubEvent {
  return {
    event_id: `ma-e-${++n}`,
    type: 'MessageEdited',
    schema_version: 1,
    account_id: A,
    occurred_at: editedAt,
    captured_at: editedAt + 50,
    payload: {
      platform_message_id: pmid,
      conversation_id: conv,
      new_content: content,
      edited_at: editedAt,
      edited_by: A,
    },
  };
}

const publish = (...events: HubEvent[]) => publishProjected(log, db, projector, events);
const call = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  target = app,
) => requestJson(target, method, path, body, headers);
const streamLast = async () => (await log.jsm.streams.info(log.stream)).state.last_seq;
const eventAt = async (seq: number) => {
  const m = await log.jsm.streams.getMessage(log.stream, { seq });
  const parsed = parseEvent(JSON.parse(new TextDecoder().decode(m!.data)));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
};
const id = (pmid: string) => messageId(A, pmid);
const conv = (k: string) => conversationId(A, 'direct', k);

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('message_actions'), createTestDatabase('message_actions')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  sync = await testSync(log, db);
  app = testApp(
    db,
    { actions: createActions({ publisher: log.publisher, waitFor }), waitFor, sync },
    { log },
  );
  for (const name of ['ops_wang', 'ops_li', 'ops_zhao'])
    ops[name] = bearer(await createLoggedKey(log, db, { role: 'operator', name }));
  await publish(
    capture('问1', '私信_小美', T0 + 1000, 'inbound', '你好，这条连衣裙有XL码吗？'),
    capture('答1', '私信_小美', T0 + 2000, 'outbound', '有的亲，今天下单明天发货'),
    capture('问2', '私信_小美', T0 + 3000, 'inbound', '好的，那我再看看'),
    capture('答2', '私信_小美', T0 + 4000, 'outbound', '欢迎随时咨询～'),
    capture('答3', '私信_阿强', T0 + 5000, 'outbound', '您的快递已发出'),
  );
});

afterAll(async () => {
  await sync?.close();
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('edit history', () => {
  it('lists the original, then the edits by edited_at then sequence, whatever order they arrived in', async () => {
    const [late, early, tie] = await publish(
      edit('答1', '私信_小美', '有的亲，今天下单后天发货', T0 + 9000),
      edit('答1', '私信_小美', '有的亲，XL还剩两件', T0 + 6000),
      edit('答1', '私信_小美', '有的亲，今天下单，明天一早发货', T0 + 9000), // same time: the later in the log wins
    );
    const { status, body } = await call('GET', `/api/v1/messages/${id('答1')}/history`);
    expect(status).toBe(200);
    expect(body.versions).toEqual([
      {
        kind: 'original',
        content: '有的亲，今天下单明天发货',
        at: T0 + 2000,
        by: A,
        seq: expect.any(Number),
      },
      { kind: 'edit', content: '有的亲，XL还剩两件', at: T0 + 6000, by: A, seq: early },
      { kind: 'edit', content: '有的亲，今天下单后天发货', at: T0 + 9000, by: A, seq: late },
      { kind: 'edit', content: '有的亲，今天下单，明天一早发货', at: T0 + 9000, by: A, seq: tie },
    ]);
    expect(body.versions[0].seq).toBeLessThan(late!);
    // the last version is the current content
    expect(body.message).toMatchObject({
      id: id('答1'),
      content: '有的亲，今天下单，明天一早发货',
      edited: true,
    });
    expect(body.recall).toBeNull();
    expect((await call('GET', `/api/v1/messages/history/${id('答1')}`)).body).toEqual(body);
  });

  it('starts from the capture even when an edit reached the log before the message', async () => {
    await publish(edit('答4', '私信_阿强', '改正：单号是SF1234', T0 + 7000));
    expect((await call('GET', `/api/v1/messages/${id('答4')}/history`)).status).toBe(404); // not captured yet
    await publish(capture('答4', '私信_阿强', T0 + 6000, 'outbound', '单号是SF1243'));
    const { body } = await call('GET', `/api/v1/messages/${id('答4')}/history`);
    expect(body.versions.map((v: any) => [v.kind, v.content])).toEqual([
      ['original', '单号是SF1243'],
      ['edit', '改正：单号是SF1234'],
    ]);
    expect(body.message.content).toBe('改正：单号是SF1234');
    const plain = await call('GET', `/api/v1/messages/${id('答2')}/history`);
    expect(plain.body.versions).toEqual([
      { kind: 'original', content: '欢迎随时咨询～', at: T0 + 4000, by: A, seq: expect.any(Number) },
    ]);
  });

  it('answers 404 for an unknown message and 400 for a malformed id', async () => {
    expect((await call('GET', `/api/v1/messages/${id('没有')}/history`)).status).toBe(404);
    const bad = await call('GET', '/api/v1/messages/history/m_short');
    expect([bad.status, bad.body.error.field]).toEqual([400, 'id']);
  });
});

describe('PUT /api/v1/messages/:id', () => {
  it('corrects an outbound message: a MessageEdited by the caller, answered after projection', async () => {
    const r = await call(
      'PUT',
      `/api/v1/messages/${id('答3')}`,
      { content: '您的快递已发出，请注意查收' },
      ops.ops_wang,
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      projected: true,
      message: { id: id('答3'), content: '您的快递已发出，请注意查收', edited: true, version: r.body.seq },
    });
    expect(r.body.seq).toBe(await streamLast());
    const event = await eventAt(r.body.seq);
    expect(event).toMatchObject({
      type: 'MessageEdited',
      account_id: A,
      actor: 'ops_wang',
      payload: {
        platform_message_id: '答3',
        conversation_id: '私信_阿强',
        new_content: '您的快递已发出，请注意查收',
        edited_by: 'ops_wang',
      },
    });
    // another key: its name is the editor
    const again = await call('PUT', `/api/v1/messages/${id('答3')}`, {
      content: '快递已发出，顺丰单号SF1234',
    });
    const { body } = await call('GET', `/api/v1/messages/${id('答3')}/history`);
    expect(body.versions.map((v: any) => [v.content, v.by, v.seq])).toEqual([
      ['您的快递已发出', A, expect.any(Number)],
      ['您的快递已发出，请注意查收', 'ops_wang', r.body.seq],
      ['快递已发出，顺丰单号SF1234', 'test-admin', again.body.seq],
    ]);
  });

  it('refuses an inbound message (409), an unknown one (404) and bad content (400), appending nothing', async () => {
    const before = await streamLast();
    const inbound = await call('PUT', `/api/v1/messages/${id('问2')}`, { content: '改成别的话' });
    expect([inbound.status, inbound.body.error.code]).toEqual([409, 'message_inbound']);
    expect((await call('PUT', `/api/v1/messages/${id('没有')}`, { content: '你好' })).status).toBe(404);
    for (const [body, field] of [
      [{ content: '' }, 'content'],
      [{}, 'content'],
      [{ content: 'x'.repeat(65_537) }, 'content'],
    ] as const) {
      const r = await call('PUT', `/api/v1/messages/${id('答2')}`, body);
      expect([r.status, r.body.error.field]).toEqual([400, field]);
    }
    expect(await streamLast()).toBe(before);
  });
});

describe('DELETE /api/v1/messages/:id', () => {
  it('recalls: the message leaves lists, search, unread counts and sync, and stays readable for audit', async () => {
    const target = id('问1');
    const listed = async (q = '') =>
      (await call('GET', `/api/v1/messages?conversation_id=${conv('私信_小美')}${q}`)).body.messages.map(
        (m: any) => m.id,
      );
    const found = async () =>
      (await call('POST', '/api/v1/messages/search', { query: '连衣裙', account_id: A })).body.messages.map(
        (m: any) => m.id,
      );
    const unread = async () =>
      (await call('GET', `/api/v1/conversations/${conv('私信_小美')}`)).body.unread_count;
    const totalUnread = async () =>
      (await call('GET', `/api/v1/unread-summary?account_id=${encodeURIComponent(A)}`)).body.total_unread;
    expect([(await listed()).includes(target), await found(), await unread(), await totalUnread()]).toEqual([
      true,
      [target],
      2,
      2,
    ]);
    const cursor = await streamLast();

    const r = await call('DELETE', `/api/v1/messages/${target}`, undefined, ops.ops_li);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      seq: cursor + 1,
      projected: true,
      recall: { seq: cursor + 1, recalled_by: 'ops_li', recalled_at: expect.any(Number) },
      message: { id: target, recalled: true, content: '你好，这条连衣裙有XL码吗？' },
    });
    expect(await eventAt(r.body.seq)).toMatchObject({
      type: 'MessageRecalled',
      actor: 'ops_li',
      payload: { platform_message_id: '问1', conversation_id: '私信_小美', recalled_by: 'ops_li' },
    });

    expect((await listed()).includes(target)).toBe(false);
    expect((await listed('&include_recalled=true')).includes(target)).toBe(true);
    expect(await found()).toEqual([]);
    expect([await unread(), await totalUnread()]).toEqual([1, 1]);
    expect((await call('GET', `/api/v1/messages/${target}`)).status).toBe(404);
    expect((await call('GET', `/api/v1/messages/${target}?include_recalled=true`)).body.content).toBe(
      '你好，这条连衣裙有XL码吗？',
    );
    expect((await call('GET', `/api/v1/messages/${target}/history`)).status).toBe(404);
    const history = await call('GET', `/api/v1/messages/${target}/history?include_recalled=true`);
    expect(history.body).toMatchObject({
      versions: [{ kind: 'original', content: '你好，这条连衣裙有XL码吗？' }],
      recall: r.body.recall,
    });

    // a sync client gets the recall as a deleted id: from before it, and from the beginning
    const page = async (from: number) =>
      (
        await call(
          'GET',
          `/api/v1/messages/sync?account_id=${encodeURIComponent(A)}&cursor=${from}&limit=5000`,
        )
      ).body;
    const after = await page(cursor);
    expect(after.deleted_message_ids).toEqual([target]);
    expect(after.messages.map((m: any) => m.id)).not.toContain(target);
    expect(after.conversations.find((c: any) => c.id === conv('私信_小美'))).toMatchObject({
      unread_count: 1,
    });
    const all = await page(0);
    expect(all.deleted_message_ids).toContain(target);
    expect(all.messages.map((m: any) => m.id)).not.toContain(target);
  });

  it('recalling twice answers the first recall and appends nothing', async () => {
    const first = await call('DELETE', `/api/v1/messages/${id('答2')}`);
    expect(first.body.recall.recalled_by).toBe('test-admin');
    const before = await streamLast();
    const again = await call('DELETE', `/api/v1/messages/${id('答2')}`, undefined, ops.ops_zhao);
    // the same answer (each response has its own X-Request-Id)
    expect({ status: again.status, body: again.body }).toEqual({ status: first.status, body: first.body });
    expect(await streamLast()).toBe(before);
    expect((await call('DELETE', `/api/v1/messages/${id('没有')}`)).status).toBe(404);
  });

  it('a recalled message cannot be edited (409), and nothing is appended', async () => {
    const before = await streamLast();
    const r = await call('PUT', `/api/v1/messages/${id('答2')}`, { content: '撤回之后还想改' });
    expect([r.status, r.body.error.code]).toEqual([409, 'message_recalled']);
    expect(await streamLast()).toBe(before);
  });

  it('answers 202 with the sequence when the projection is not there in time', async () => {
    const slow = testApp(db, {
      actions: createActions({ publisher: log.publisher, waitFor: async () => false }),
    });
    const edited = await call(
      'PUT',
      `/api/v1/messages/${id('答4')}`,
      { content: '单号SF1234，已揽收' },
      {},
      slow,
    );
    expect([edited.status, edited.body.projected]).toEqual([202, false]);
    const recalled = await call('DELETE', `/api/v1/messages/${id('答4')}`, undefined, {}, slow);
    expect([recalled.status, recalled.body]).toEqual([202, { seq: edited.body.seq + 1, projected: false }]);
    const read = await call(
      'GET',
      `/api/v1/messages/${id('答4')}?include_recalled=true&min_seq=${recalled.body.seq}`,
    );
    expect(read.body).toMatchObject({ content: '单号SF1234，已揽收', recalled: true });
  });

  it('replaying the log rebuilds the same messages, histories and recalls', async () => {
    const { live, rebuilt } = await rebuildChecksums(log, db, 'message_actions_rebuild');
    expect(live.find((t) => t.table === 'message_edits')!.rows).toBeGreaterThan(0);
    expect(rebuilt).toEqual(live);
  });
});
