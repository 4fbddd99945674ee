import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActions } from '../src/commands/actions.js';
import { createReplySweeper } from '../src/commands/reply-expiry.js';
import { conversationId, type HubEvent, messageId, parseEvent, replyId } from '../src/events/index.js';
import { replyConsumerName } from '../src/log/subjects.js';
import { silentLogger } from '../src/logger.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter } from '../src/projections/wait.js';
import {
  createReplyWorker,
  type ReplyCommand,
  ReplyRejectedError,
  type ReplyWorker,
} from '../src/worker/index.js';
import {
  createTestDatabase,
  createTestLog,
  eventually,
  publishProjected,
  rebuildChecksums,
  requestJson,
  startTestProjector,
  type TestLog,
  testApp,
} from './support/env.js';
import { hubEvents } from './support/hub-events.js';

// Replies: a client asks (POST, once per Idempotency-Key), the account's worker takes the
// command from its JetStream consumer, sends it and reports; the read model follows the log.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let app: ReturnType<typeof testApp>;
let worker: ReplyWorker;
const A = 'dy_旗舰店';
const B = 'dy_客服号'; // no worker runs for B until the expiry test starts one
const GONE = 'dy_已删除';
const T0 = 1_761_100_000_000;
const ev = hubEvents('replies');
/** Every command A's worker was handed, in order. */
const commands: ReplyCommand[] = [];
const tries = new Map<string, number>();
let n = 0;

function capture(
  account: string,
  pmid: string,
  o: { channel: 'direct' | 'comment'; conv: string; content: string },
): HubEvent {
  n++;
  return {
    event_id: `replies-c-${n}`,
    type: 'MessageCaptured',
    schema_version: 2,
    account_id: account,
    occurred_at: T0 + n,
    captured_at: T0 + n + 100,
    payload: {
      platform_message_id: pmid,
      channel: o.channel,
      conversation_id: o.conv,
      direction: 'inbound',
      sender: { platform_user_id: '粉丝_小美', name: '小美' },
      content: o.content,
      message_type: 'text',
      created_at: T0 + n,
      captured_by: null,
    },
  };
}

/** The platform as A's worker sees it: what the content asks for happens. */
async function send(cmd: ReplyCommand) {
  commands.push(cmd);
  const tried = (tries.get(cmd.reply_id) ?? 0) + 1;
  tries.set(cmd.reply_id, tried);
  if (cmd.content.startsWith('拒绝')) throw new ReplyRejectedError('对方已关闭私信');
  if (cmd.content.startsWith('总失败')) throw new Error(`网络超时（第${tried}次）`);
  if (cmd.content.startsWith('重试') && tried < 3) throw new Error('限流，稍后再试');
  return { platform_message_id: `sent_${cmd.reply_id.slice(2, 10)}_${tried}` };
}

const publish = (...events: HubEvent[]) => publishProjected(log, db, projector, events);
const call = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  target = app,
) => requestJson(target, method, path, body, headers);
const ask = (key: string, body: Record<string, unknown>, target = app) =>
  call('POST', '/api/v1/replies', body, { 'idempotency-key': key }, target);
const streamLast = async () => (await log.jsm.streams.info(log.stream)).state.last_seq;
/** How many events of a type the log holds for an account. */
async function stored(account: string, type: string): Promise<number> {
  const subject = log.subjects.event(account, type);
  const info = await log.jsm.streams.info(log.stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}
const settled = (id: string) =>
  eventually(async () => {
    const r = await call('GET', `/api/v1/replies/${id}`);
    return r.body.status !== 'pending' ? r.body : undefined;
  }, `reply ${id} to settle`);
const dm = conversationId(A, 'direct', '私信_小美');

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('replies'), createTestDatabase('replies')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  app = testApp(db, { actions: createActions({ publisher: log.publisher, waitFor }), waitFor }, { log });
  await publish(
    ev.registered(A, T0),
    ev.registered(B, T0),
    ev.registered(GONE, T0),
    capture(A, '问1', { channel: 'direct', conv: '私信_小美', content: '请问有XL码吗？' }),
    capture(A, '评论1', { channel: 'comment', conv: '视频_777', content: '这件衣服好看！' }),
    capture(B, '问2', { channel: 'direct', conv: '私信_阿强', content: '发货了吗' }),
    ev.removed(GONE, T0 + 1000),
  );
  worker = await createReplyWorker(
    { js: log.js, stream: log.stream, subjects: log.subjects, accountId: A, send },
    { maxAttempts: 3, retryDelayMs: 100, ackWaitMs: 5000 },
  );
});

afterAll(async () => {
  await worker?.stop();
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('POST /api/v1/replies and the reply worker', () => {
  it('round-trips through the worker: requested, sent over NATS, reported, projected', async () => {
    const r = await ask('crm-001', { account_id: A, conversation_id: dm, content: '有的亲，XL还有货' });
    expect(r.status).toBe(201);
    const id = replyId(A, 'crm-001');
    expect(r.headers.get('location')).toBe(`/api/v1/replies/${id}`);
    expect(r.body).toMatchObject({
      projected: true,
      reply: {
        reply_id: id,
        account_id: A,
        conversation_id: dm,
        channel: 'direct',
        platform_conversation_id: '私信_小美',
        reply_to: null,
        content: '有的亲，XL还有货',
        requested_by: 'test-admin',
      },
    });
    // the answer is the reply as projected once its request is: the worker may have sent it and
    // reported already, and then the answer shows that
    if (r.body.reply.status === 'pending') {
      expect(r.body.reply).toMatchObject({ attempts: 0, platform_message_id: null });
    } else expect(r.body.reply).toMatchObject({ status: 'sent', attempts: 1 });
    const { requested_at, expires_at } = r.body.reply;
    expect(expires_at - requested_at).toBe(5 * 60 * 1000);
    // on the log: a ReplyRequested whose event id is the reply id, on A's command subject
    const m = await log.jsm.streams.getMessage(log.stream, { seq: r.body.seq });
    expect(m!.subject).toBe(log.subjects.replyRequests(A));
    const parsed = parseEvent(JSON.parse(new TextDecoder().decode(m!.data)));
    expect(parsed.ok && parsed.event).toMatchObject({
      event_id: id,
      type: 'ReplyRequested',
      payload: { reply_id: id },
    });

    const reply = await settled(id);
    expect(reply).toMatchObject({
      status: 'sent',
      attempts: 1,
      platform_message_id: `sent_${id.slice(2, 10)}_1`,
      message_id: messageId(A, `sent_${id.slice(2, 10)}_1`),
      sent_at: expect.any(Number),
      failure_reason: null,
    });
    expect(reply.sent_at).toBeGreaterThanOrEqual(requested_at);
    expect(commands.find((c) => c.reply_id === id)).toEqual({
      reply_id: id,
      account_id: A,
      channel: 'direct',
      conversation_id: '私信_小美',
      content: '有的亲，XL还有货',
      requested_at,
      expires_at,
      attempt: 1,
      seq: r.body.seq,
    });
    // the worker's durable consumer, on A's subject only
    const info = await log.jsm.consumers.info(log.stream, replyConsumerName(A));
    expect(worker.consumer).toBe(replyConsumerName(A));
    expect(info.config).toMatchObject({ filter_subject: log.subjects.replyRequests(A), max_ack_pending: 1 });
  });

  it('replies under a comment', async () => {
    const r = await ask('crm-002', { account_id: A, comment: '评论1', content: '谢谢喜欢～' });
    expect(r.status).toBe(201);
    expect(r.body.reply).toMatchObject({
      channel: 'comment',
      conversation_id: conversationId(A, 'comment', '视频_777'),
      platform_conversation_id: '视频_777',
      reply_to: '评论1',
    });
    expect(await settled(r.body.reply.reply_id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(commands.at(-1)).toMatchObject({
      channel: 'comment',
      conversation_id: '视频_777',
      reply_to: '评论1',
    });
  });

  it('reports a rejected reply as failed at once, retries a passing failure, and gives up after maxAttempts', async () => {
    const rejected = await ask('crm-003', {
      account_id: A,
      conversation_id: dm,
      content: '拒绝：这条发不出去',
    });
    const retried = await ask('crm-004', {
      account_id: A,
      conversation_id: dm,
      content: '重试：第三次才成功',
    });
    const hopeless = await ask('crm-005', {
      account_id: A,
      conversation_id: dm,
      content: '总失败：一直超时',
    });
    expect(await settled(rejected.body.reply.reply_id)).toMatchObject({
      status: 'failed',
      failure_reason: '对方已关闭私信',
      attempts: 1,
      failed_at: expect.any(Number),
    });
    expect(await settled(retried.body.reply.reply_id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(await settled(hopeless.body.reply.reply_id)).toMatchObject({
      status: 'failed',
      failure_reason: '网络超时（第3次）',
      attempts: 3,
    });
    const attempts = (id: string) => commands.filter((c) => c.reply_id === id).map((c) => c.attempt);
    expect(attempts(retried.body.reply.reply_id)).toEqual([1, 2, 3]);
    expect(attempts(rejected.body.reply.reply_id)).toEqual([1]);
    expect(worker.stats()).toMatchObject({ retried: 4, failed: 2 });
  });

  it('the same Idempotency-Key twice gives the same reply, requested and sent once', async () => {
    const body = { account_id: A, conversation_id: dm, content: '亲，已为您备注加急' };
    const first = await ask('crm-006', body);
    const again = await ask('crm-006', body);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.reply.reply_id).toBe(first.body.reply.reply_id);
    expect(again.body.seq).toBe(first.body.seq);
    // at the same moment: JetStream stores the request once, both get the one reply
    const racing = await Promise.all(
      [1, 2, 3].map(() => ask('crm-007', { ...body, content: '同时点了三次' })),
    );
    expect(new Set(racing.map((r) => r.body.reply.reply_id))).toEqual(new Set([replyId(A, 'crm-007')]));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    for (const id of [first.body.reply.reply_id, replyId(A, 'crm-007')]) {
      expect(await settled(id)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(commands.filter((c) => c.reply_id === id)).toHaveLength(1);
    }
    expect(await stored(A, 'ReplyRequested')).toBe(7);
    expect(await stored(A, 'ReplySucceeded')).toBe(5);
    // a retry after it was sent answers it as it is now
    expect((await ask('crm-006', body)).body.reply.status).toBe('sent');
    // the key belongs to the account: the same key for B is another reply
    const b = await ask('crm-006', {
      account_id: B,
      conversation_id: conversationId(B, 'direct', '私信_阿强'),
      content: '好的',
    });
    expect(b.status).toBe(201);
    expect(b.body.reply.reply_id).not.toBe(first.body.reply.reply_id);
  });

  it('the same key for another request is a 409, appending nothing', async () => {
    const before = await streamLast();
    const r = await ask('crm-006', { account_id: A, conversation_id: dm, content: '换了内容' });
    expect([r.status, r.body.error.code]).toEqual([409, 'idempotency_key_reused']);
    const other = await ask('crm-006', { account_id: A, comment: '评论1', content: '亲，已为您备注加急' });
    expect(other.status).toBe(409);
    expect(await streamLast()).toBe(before);
  });
});

describe('reading replies', () => {
  it('lists replies newest first, by account and status', async () => {
    const all = await call('GET', `/api/v1/replies?account_id=${encodeURIComponent(A)}`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(7);
    const seqs = all.body.replies.map((r: any) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const failed = await call('GET', `/api/v1/replies?account_id=${encodeURIComponent(A)}&status=failed`);
    expect(failed.body.replies.map((r: any) => r.content)).toEqual([
      '总失败：一直超时',
      '拒绝：这条发不出去',
    ]);
    const page = await call('GET', '/api/v1/replies?limit=2&offset=1');
    expect(page.body).toMatchObject({ total: 8, has_more: true });
    expect(page.body.replies).toHaveLength(2);
  });

  it('counts an account’s replies by status, with the median time to sent', async () => {
    const { body: list } = await call(
      'GET',
      `/api/v1/replies?account_id=${encodeURIComponent(A)}&status=sent`,
    );
    const times = list.replies
      .map((r: any) => r.sent_at - r.requested_at)
      .sort((a: number, b: number) => a - b);
    const stats = await call('GET', `/api/v1/replies/account/${encodeURIComponent(A)}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({
      account_id: A,
      total: 7,
      by_status: { pending: 0, sent: 5, failed: 2, expired: 0 },
      median_time_to_sent_ms: times[2],
    });
    const none = await call('GET', `/api/v1/replies/account/${encodeURIComponent(GONE)}/stats`);
    expect(none.body).toEqual({
      account_id: GONE,
      total: 0,
      by_status: { pending: 0, sent: 0, failed: 0, expired: 0 },
      median_time_to_sent_ms: null,
    });
  });
});

describe('expiry', () => {
  it('a reply still pending at its time is expired by the sweeper; a worker started later skips it; a late success still counts', async () => {
    const waitFor = createProjectionWaiter({ sql: db.sql, projector });
    const short = testApp(db, {
      actions: createActions({ publisher: log.publisher, waitFor }),
      waitFor,
      replyTimeoutMs: 60_000,
    });
    const conv = conversationId(B, 'direct', '私信_阿强');
    const r = await ask(
      'crm-100',
      { account_id: B, conversation_id: conv, content: '在的，马上发货' },
      short,
    );
    expect(r.body.reply).toMatchObject({ status: 'pending' });
    const { reply_id: id, expires_at } = r.body.reply;
    expect(expires_at - r.body.reply.requested_at).toBe(60_000);

    let now = expires_at - 1;
    const sweeper = createReplySweeper({
      db: db.db,
      publisher: log.publisher,
      log: silentLogger(),
      isActive: () => true,
      clock: () => now,
    });
    expect(await sweeper.sweep()).toBe(0); // not yet
    now = expires_at;
    // two sweeps at once (or two processes): one ReplyExpired, its id derived from the reply's
    const [a, b] = await Promise.all([sweeper.sweep(), sweeper.sweep()]);
    expect(a + b).toBe(1);
    expect(await stored(B, 'ReplyExpired')).toBe(1);
    const expired = await settled(id);
    expect(expired).toMatchObject({ status: 'expired', expired_at: expires_at, attempts: 0 });
    // an earlier reply of B's (crm-006) also expires when its time comes, not before
    expect((await call('GET', `/api/v1/replies/${replyId(B, 'crm-006')}`)).body.status).toBe('pending');
    expect(await sweeper.sweep()).toBe(0);

    // B's worker comes up after the expiry: it acknowledges the stale commands without sending
    const sent: ReplyCommand[] = [];
    const late = await createReplyWorker(
      {
        js: log.js,
        stream: log.stream,
        subjects: log.subjects,
        accountId: B,
        clock: () => expires_at + 600_000,
        send: async (cmd) => {
          sent.push(cmd);
          return { platform_message_id: 'never' };
        },
      },
      { ackWaitMs: 5000 },
    );
    try {
      await eventually(
        async () => (late.stats().skipped === 2 ? true : undefined),
        'the stale commands skipped',
      );
      expect(sent).toEqual([]);
    } finally {
      await late.stop();
    }

    // a success that reaches the log after the expiry: it was sent after all
    await publish(ev.succeeded(B, 'crm-100', expires_at + 5000, 'dm_late', 2));
    expect((await call('GET', `/api/v1/replies/${id}`)).body).toMatchObject({
      status: 'sent',
      platform_message_id: 'dm_late',
      expired_at: expires_at,
      sent_at: expires_at + 5000,
      attempts: 2,
    });
    // and a failure reported after that changes nothing
    await publish(ev.failed(B, 'crm-100', expires_at + 6000, '重复上报'));
    expect((await call('GET', `/api/v1/replies/${id}`)).body.status).toBe('sent');
  });
});

describe('bad input and unknown ids', () => {
  it('rejects bad input with a 400 naming the field, appending nothing', async () => {
    const before = await streamLast();
    const body = { account_id: A, conversation_id: dm, content: '你好' };
    const noKey = await call('POST', '/api/v1/replies', body);
    expect([noKey.status, noKey.body.error.field]).toEqual([400, 'idempotency-key']);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ account_id: A, content: '你好' }, 'k', 'conversation_id'],
      [{ ...body, comment: '评论1' }, 'k', 'comment'],
      [{ ...body, content: '' }, 'k', 'content'],
      [{ ...body, content: undefined }, 'k', 'content'],
      [{ ...body, conversation_id: 'c_short' }, 'k', 'conversation_id'],
      [{ ...body, account_id: undefined }, 'k', 'account_id'],
      [body, 'x'.repeat(256), 'idempotency-key'],
      [body, '', 'idempotency-key'],
    ];
    for (const [b, key, field] of cases) {
      const r = await ask(key, b);
      expect([JSON.stringify(b), r.status, r.body.error?.code, r.body.error?.field]).toEqual([
        JSON.stringify(b),
        400,
        'invalid_request',
        field,
      ]);
    }
    const gets: [string, string][] = [
      ['/api/v1/replies/r_short', 'replyId'],
      ['/api/v1/replies?status=lost', 'status'],
      ['/api/v1/replies?limit=0', 'limit'],
      ['/api/v1/replies?limit=201', 'limit'],
      ['/api/v1/replies?offset=-1', 'offset'],
      ['/api/v1/replies?account_id=a%00b', 'account_id'],
      ['/api/v1/replies/account/a%00b/stats', 'accountId'],
    ];
    for (const [path, field] of gets) {
      const r = await call('GET', path);
      expect([path, r.status, r.body.error?.field]).toEqual([path, 400, field]);
    }
    expect(await streamLast()).toBe(before);
  });

  it('answers 404 for unknown or removed accounts, conversations, comments and replies', async () => {
    const before = await streamLast();
    const cases: [Record<string, unknown>, string][] = [
      [{ account_id: 'dy_没有', conversation_id: dm, content: '你好' }, 'account'],
      [{ account_id: GONE, conversation_id: dm, content: '你好' }, 'account'],
      [
        { account_id: A, conversation_id: conversationId(A, 'direct', '没有'), content: '你好' },
        'conversation',
      ],
      [
        { account_id: A, conversation_id: conversationId(B, 'direct', '私信_阿强'), content: '你好' },
        'conversation',
      ],
      [{ account_id: A, comment: '没有这条评论', content: '你好' }, 'comment'],
      [{ account_id: A, comment: '问1', content: '你好' }, 'comment'], // a DM, not a comment
    ];
    for (const [b, what] of cases) {
      const r = await ask(`404-${what}-${JSON.stringify(b).length}`, b);
      expect([JSON.stringify(b), r.status, r.body.error.code, r.body.error.message]).toEqual([
        JSON.stringify(b),
        404,
        'not_found',
        expect.stringMatching(new RegExp(`^${what} `)),
      ]);
    }
    expect((await call('GET', `/api/v1/replies/${replyId(A, 'never-asked')}`)).status).toBe(404);
    expect((await call('GET', '/api/v1/replies/account/dy_没有/stats')).status).toBe(404);
    expect(await streamLast()).toBe(before);
  });
});

describe('replay', () => {
  it('replaying the log rebuilds the same replies', async () => {
    const { live, rebuilt } = await rebuildChecksums(log, db, 'replies_rebuild');
    expect(live.find((t) => t.table === 'replies')!.rows).toBe(9);
    expect(rebuilt).toEqual(live);
  });
});
