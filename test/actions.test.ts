import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActions } from '../src/commands/actions.js';
import { conversationId } from '../src/events/index.js';
import type { Projector } from '../src/projections/projector.js';
import { createProjectionWaiter } from '../src/projections/wait.js';
import { simulateEvents } from '../src/worker/simulate.js';
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

// Client actions become events on the log, are projected, and answer from the read model.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let app: ReturnType<typeof testApp>;
const A = 'dy_10001';

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('actions'), createTestDatabase('actions')]);
  projector = startTestProjector(log, db);
  const waitFor = createProjectionWaiter({ sql: db.sql, projector });
  const results = await log.publisher.publishMany([
    ...simulateEvents({
      seed: 21,
      events: 400,
      accounts: 2,
      conversationsPerAccount: 8,
      recallRate: 0,
      runId: 'act',
    }),
  ]);
  await projectedTo(db, projector.name, Math.max(...results.map((r) => r.seq)));
  app = testApp(
    db,
    {
      actions: createActions({ publisher: log.publisher, waitFor }),
      waitFor,
      minSeqTimeoutMs: 300,
    },
    { log },
  );
});

afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

const call = (method: string, path: string, body?: unknown) => requestJson(app, method, path, body);
const list = async (query: string) =>
  (await call('GET', `/api/v1/conversations?account_id=${A}&limit=200&${query}`)).body;
const streamCount = async () => (await log.jsm.streams.info(log.stream)).state.messages;
const dm = (k: number) => conversationId(A, 'direct', `dm_${A}_${k}`);

describe('conversation actions', () => {
  it('pins: the answer comes after projection, and pinned conversations list first', async () => {
    const r = await call('POST', `/api/v1/conversations/${dm(1)}/pin`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ projected: true, conversation: { id: dm(1), is_pinned: true } });
    expect(r.body.seq).toBe(await streamCount());
    const { conversations } = await list('');
    expect(conversations[0].id).toBe(dm(1));
    expect((await list('pinned=true')).conversations.map((c: any) => c.id)).toEqual([dm(1)]);
    expect((await call('DELETE', `/api/v1/conversations/${dm(1)}/pin`)).body.conversation.is_pinned).toBe(
      false,
    );
  });

  it('answers 404 for an unknown conversation and appends nothing', async () => {
    const before = await streamCount();
    const r = await call('POST', `/api/v1/conversations/${conversationId(A, 'direct', 'nope')}/pin`);
    expect(r.status).toBe(404);
    expect(await streamCount()).toBe(before);
  });

  it('archives and mutes: status filters, and totals leave them out', async () => {
    const before = await list('');
    const target = before.conversations.find((c: any) => c.unread_count > 0 && c.channel === 'direct');
    await call('PATCH', `/api/v1/conversations/${target.id}`, { is_archived: true });
    expect((await list('status=archived')).conversations.map((c: any) => c.id)).toEqual([target.id]);
    expect((await list('status=active')).conversations.some((c: any) => c.id === target.id)).toBe(false);
    const archived = await list('');
    expect(archived.unread_total).toBe(before.unread_total - target.unread_count);
    await call('PATCH', `/api/v1/conversations/${target.id}`, {
      is_archived: false,
      mute_until: Date.now() + 3_600_000,
    });
    const muted = await list('');
    expect(muted.conversations.find((c: any) => c.id === target.id)).toMatchObject({
      is_archived: false,
      unread_count: target.unread_count,
    });
    expect(muted.unread_total).toBe(before.unread_total - target.unread_count);
    await call('PATCH', `/api/v1/conversations/${target.id}`, { mute_until: null });
    expect((await list('')).unread_total).toBe(before.unread_total);
    expect((await call('PATCH', `/api/v1/conversations/${target.id}`, {})).body.error.field).toBe(
      'is_archived',
    );
  });

  it('tags: trimmed, unique, at most 20, counted, filtered by', async () => {
    const r = await call('POST', `/api/v1/conversations/${dm(2)}/tags`, { tags: [' 重要 ', '客户', '重要'] });
    expect(r.body.conversation.tags).toEqual(['重要', '客户']);
    await call('POST', `/api/v1/conversations/${dm(6)}/tags`, { tags: ['重要'] });
    expect((await call('GET', `/api/v1/tags?account_id=${A}`)).body.tags).toEqual([
      { tag: '重要', count: 2 },
      { tag: '客户', count: 1 },
    ]);
    expect(
      (await list(`tag=${encodeURIComponent('重要')}`)).conversations.map((c: any) => c.id).sort(),
    ).toEqual([dm(2), dm(6)].sort());
    expect(
      (await call('DELETE', `/api/v1/conversations/${dm(2)}/tags/${encodeURIComponent('客户')}`)).body
        .conversation.tags,
    ).toEqual(['重要']);
    const bad: [unknown, string][] = [
      [{ tags: ['x'.repeat(33)] }, 'tags.0'],
      [{ tags: ['   '] }, 'tags.0'],
      [{ tags: [] }, 'tags'],
      [{ tags: Array.from({ length: 20 }, (_, i) => `t${i}`) }, 'tags'],
    ];
    for (const [body, field] of bad) {
      const res = await call('POST', `/api/v1/conversations/${dm(2)}/tags`, body);
      expect([res.status, res.body.error.field]).toEqual([400, field]);
    }
  });

  it('blocks a user per account: conversations show it, status=blocked lists them, unblock reverses', async () => {
    const conv = (await call('GET', `/api/v1/conversations/${dm(4)}`)).body;
    const r = await call('POST', `/api/v1/users/${conv.friend_id}/block?account_id=${A}`);
    expect(r.status).toBe(200);
    expect((await call('GET', `/api/v1/conversations/${dm(4)}`)).body.is_blocked).toBe(true);
    expect((await list('status=blocked')).conversations.map((c: any) => c.friend_id)).toContain(
      conv.friend_id,
    );
    const blocked = (await call('GET', `/api/v1/blocked-users?account_id=${A}`)).body.blocked_users;
    expect(blocked.map((b: any) => [b.platform_user_id, b.name])).toEqual([
      [conv.friend_id, conv.friend_name],
    ]);
    await call('DELETE', `/api/v1/users/${conv.friend_id}/block?account_id=${A}`);
    expect((await call('GET', `/api/v1/blocked-users?account_id=${A}`)).body.blocked_users).toEqual([]);
    expect((await call('POST', `/api/v1/users/x/block?account_id=dy_unknown`)).status).toBe(404);
  });

  it('sorts by name in Chinese (pinyin) order, by unread count, and searches names', async () => {
    const byName = (await list('sort_by=name&status=active')).conversations.filter(
      (c: any) => c.friend_name && !c.is_pinned,
    );
    const names = byName.map((c: any) => c.friend_name);
    expect(names).toEqual([...names].sort(new Intl.Collator('zh-Hans-u-co-pinyin').compare));
    const byUnread = (await list('sort_by=unread_count')).conversations
      .filter((c: any) => !c.is_pinned)
      .map((c: any) => c.unread_count);
    expect(byUnread).toEqual([...byUnread].sort((a: number, b: number) => b - a));
    const someone = byName[0];
    const found = await list(`search=${encodeURIComponent(someone.friend_name)}`);
    expect(found.conversations.map((c: any) => c.id)).toContain(someone.id);
  });

  it('answers 202 with the sequence when the projection is not there in time', async () => {
    const slow = testApp(db, {
      actions: createActions({ publisher: log.publisher, waitFor: async () => false }),
    });
    const res = await slow.request(`/api/v1/conversations/${dm(5)}/pin`, { method: 'POST' });
    expect(res.status).toBe(202);
    const { seq } = (await res.json()) as { seq: number };
    const read = await call('GET', `/api/v1/conversations/${dm(5)}?min_seq=${seq}`);
    expect(read.body.is_pinned).toBe(true);
  });

  it('min_seq waits (bounded) and says so when the projector is behind', async () => {
    const ahead = (await streamCount()) + 1000;
    const r = await call('GET', `/api/v1/conversations/${dm(1)}?min_seq=${ahead}`);
    expect([r.status, r.body.error.code, r.headers.get('retry-after')]).toEqual([
      503,
      'not_projected_yet',
      '1',
    ]);
    expect((await call('GET', `/api/v1/conversations/${dm(1)}?min_seq=-1`)).body.error.field).toBe('min_seq');
  });

  it('replaying the log rebuilds the same conversations, tags and blocks', async () => {
    await call('POST', `/api/v1/users/someone/block?account_id=${A}`);
    const { live, rebuilt } = await rebuildChecksums(log, db, 'actions_rebuild');
    expect(rebuilt).toEqual(live);
  });
});
