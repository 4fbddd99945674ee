import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client.js';
import type { HubEvent, Sender } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
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

// The users read model: the newest profile of each platform user, whatever order workers
// report it in, served one at a time or in batches of up to 500.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let app: ReturnType<typeof testApp>;
const A = 'dy_店铺甲';
const B = 'dy_店铺乙';
const T0 = 1_761_100_000_000;
let n = 0;

function message(
  account: string,
  sender: Sender,
  o: { at: number; capturedAt: number; channel?: 'direct' | 'comment'; conv?: string },
): HubEvent {
  n++;
  return {
    event_id: `users-m-${n}`,
    type: 'MessageCaptured',
    schema_version: 2,
    account_id: account,
    occurred_at: o.at,
    captured_at: o.capturedAt,
    payload: {
      platform_message_id: `消息_${n}`,
      channel: o.channel ?? 'direct',
      conversation_id: o.conv ?? `私信_${sender.platform_user_id}`,
      direction: 'inbound',
      sender,
      content: `你好，我是${sender.name ?? '匿名'}，第${n}条`,
      message_type: 'text',
      created_at: o.at,
      captured_by: null,
    },
  };
}

function observed(account: string, user: Sender, capturedAt: number, observedAt?: number): HubEvent {
  n++;
  return {
    event_id: `users-p-${n}`,
    type: 'UserProfileObserved',
    schema_version: 1,
    account_id: account,
    occurred_at: capturedAt - 1000,
    captured_at: capturedAt,
    payload: { user, ...(observedAt === undefined ? {} : { observed_at: observedAt }) },
  };
}

async function publish(...events: HubEvent[]) {
  const r = await log.publisher.publishMany(events);
  await projectedTo(db, projector.name, Math.max(...r.map((x) => x.seq)));
}

const call = (method: string, path: string, body?: unknown, target = app) =>
  requestJson(target, method, path, body);
const user = (id: string, query = '') => call('GET', `/api/v1/users/${encodeURIComponent(id)}${query}`);

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('users'), createTestDatabase('users')]);
  projector = startTestProjector(log, db);
  app = testApp(db, {}, { log });
});

afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('users', () => {
  it('keeps the newest profile field by field, whatever order the observations arrive in', async () => {
    const id = '用户_小红';
    // each publish is its own batch, so later ones fold over rows read back (or cached)
    await publish(
      message(A, { platform_user_id: id, name: '小红' }, { at: T0 + 1000, capturedAt: T0 + 5000 }),
    );
    await publish(
      observed(
        B,
        {
          platform_user_id: id,
          name: '小红薯',
          signature: '分享好物',
          follower_count: 1280,
          is_verified: true,
        },
        T0 + 9000,
        T0 + 8500,
      ),
    );
    // late and older than the observation: its name must not win, its avatar fills a gap
    await publish(
      message(
        A,
        { platform_user_id: id, name: '小红（旧）', avatar: 'https://p3.douyinpic.com/old.jpeg' },
        { at: T0 + 2000, capturedAt: T0 + 6000 },
      ),
    );
    // older still and without a message: only the unknown following count is taken
    await publish(
      observed(
        A,
        { platform_user_id: id, name: '很旧的名字', following_count: 35, follower_count: 3 },
        T0 + 4000,
      ),
      // newer than everything for the signature only
      observed(B, { platform_user_id: id, signature: '只卖正品' }, T0 + 9500, T0 + 500),
    );
    const { status, body } = await user(id, `?account_id=${encodeURIComponent(A)}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      user_id: id,
      name: '小红薯',
      avatar: 'https://p3.douyinpic.com/old.jpeg',
      signature: '只卖正品',
      follower_count: 1280,
      following_count: 35,
      video_count: null,
      is_verified: true,
      is_friend: true,
      platform: 'douyin',
      first_seen_at: T0 + 500,
      last_seen_at: T0 + 8500,
      message_count: 2,
      accounts: [A],
    });
    // the friend's name reached their conversation too
    const [conv] = await db.sql<{ friend_name: string }[]>`
      select friend_name from conversations where friend_id = ${id}`;
    expect(conv?.friend_name).toBe('小红薯');
  });

  it('counts a friend per account: the friend of one of its direct conversations', async () => {
    const fan = '粉丝_阿强';
    await publish(
      message(A, { platform_user_id: fan, name: '阿强' }, { at: T0 + 100, capturedAt: T0 + 200 }),
      message(
        B,
        { platform_user_id: fan, name: '阿强' },
        { at: T0 + 300, capturedAt: T0 + 400, channel: 'comment', conv: '视频_9' },
      ),
    );
    const friendOf = async (q: string) => (await user(fan, q)).body.is_friend;
    expect(await friendOf(`?account_id=${encodeURIComponent(A)}`)).toBe(true);
    expect(await friendOf(`?account_id=${encodeURIComponent(B)}`)).toBe(false); // a comment only
    expect(await friendOf('?account_id=dy_nobody')).toBe(false);
    expect(await friendOf('')).toBe(false);
    expect((await user(fan)).body).toMatchObject({ message_count: 2, accounts: [A, B] });
    // seen only in a profile: known, no message, no account, no friend
    const lurker = '路人_小李';
    await publish(observed(A, { platform_user_id: lurker, name: '小李' }, T0 + 700, T0 + 650));
    expect((await user(lurker, `?account_id=${encodeURIComponent(A)}`)).body).toMatchObject({
      name: '小李',
      is_friend: false,
      message_count: 0,
      accounts: [],
      first_seen_at: T0 + 650,
      last_seen_at: T0 + 650,
    });
  });

  it('answers 404 for a user no worker has seen, and 400 for an id that cannot be one', async () => {
    const missing = await user('从没见过的人');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    const bad = await call('GET', '/api/v1/users/a%00b');
    expect([bad.status, bad.body.error.field]).toEqual([400, 'platform_user_id']);
  });

  it('reads a batch in two statements side by side (users, and the friends among them): users in the order asked, each once, and the ids not found', async () => {
    let statements = 0;
    // postgres-js's own look-up of array types, once a connection, is not the batch's
    const counting = createDb(db.url, {
      max: 2,
      onQuery: (q) => void (q.includes('pg_catalog') || statements++),
    });
    const counted = testApp(db, { db: counting.db });
    const ids = ['粉丝_阿强', '没有这个人', '用户_小红', '粉丝_阿强', '路人_小李', '也没有'];
    const r = await call('POST', '/api/v1/users/batch', { user_ids: ids, account_id: A }, counted).finally(
      () => counting.close(),
    );
    expect(r.status).toBe(200);
    expect(statements).toBe(2);
    expect(r.body.users.map((u: any) => [u.user_id, u.name, u.is_friend])).toEqual([
      ['粉丝_阿强', '阿强', true],
      ['用户_小红', '小红薯', true],
      ['路人_小李', '小李', false],
    ]);
    expect(r.body.missing).toEqual(['没有这个人', '也没有']);
    // the same user as the single read, field for field
    expect(r.body.users[1]).toEqual((await user('用户_小红', `?account_id=${encodeURIComponent(A)}`)).body);
    const noAccount = await call('POST', '/api/v1/users/batch', { user_ids: ['粉丝_阿强'] });
    expect(noAccount.body.users[0].is_friend).toBe(false);
    const all = Array.from({ length: 500 }, (_, i) => `批量_${i}`);
    const full = await call('POST', '/api/v1/users/batch', { user_ids: all });
    expect([full.status, full.body.users.length, full.body.missing.length]).toEqual([200, 0, 500]);
  });

  it('refuses an empty batch, more than 500 ids, or a bad id, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ user_ids: [] }, 'user_ids'],
      [{ user_ids: Array.from({ length: 501 }, (_, i) => `u${i}`) }, 'user_ids'],
      [{}, 'user_ids'],
      [{ user_ids: '粉丝_阿强' }, 'user_ids'],
      [{ user_ids: ['好人', 'a\u0000b'] }, 'user_ids.1'],
      [{ user_ids: ['好人'], account_id: '' }, 'account_id'],
    ];
    for (const [body, field] of cases) {
      const r = await call('POST', '/api/v1/users/batch', body);
      expect([r.status, r.body.error?.code, r.body.error?.field]).toEqual([400, 'invalid_request', field]);
    }
    const notJson = await call('POST', '/api/v1/users/batch', '{"user_ids": [');
    expect(notJson.status).toBe(400);
  });

  it('never answers a client mistake with a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
        fc.option(fc.string({ unit: 'binary', maxLength: 30 }), { nil: undefined }),
        fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { maxLength: 5 }),
        async (userId, accountId, ids) => {
          const q = accountId === undefined ? '' : `?${new URLSearchParams({ account_id: accountId })}`;
          const one = await user(userId, q);
          expect(one.status).toBeLessThan(500);
          const batch = await call('POST', '/api/v1/users/batch', { user_ids: ids, account_id: accountId });
          expect(batch.status).toBeLessThan(500);
          if (batch.status === 400) expect(batch.body.error.field).toEqual(expect.any(String));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('replaying the log rebuilds the same users', async () => {
    const { live, rebuilt } = await rebuildChecksums(log, db, 'users_rebuild');
    expect(live.find((t) => t.table === 'users')!.rows).toBeGreaterThan(0);
    expect(rebuilt).toEqual(live);
  });
});
