import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventOf, HubEvent } from '../src/events/index.js';
import { conversationId, messageId, replyId } from '../src/events/index.js';
import {
  emptyFoldState,
  type FoldState,
  foldBatch,
  keysOf,
  MetMessages,
  mergeKeys,
  type SequencedEvent,
  sequenced,
} from '../src/projections/fold.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { withClientActions } from '../src/worker/simulate-actions.js';
import { hubEvents } from './support/hub-events.js';

// Given/when/then over the pure fold: no database, no log.

const ACC = 'dy_1';
let n = 0;
function captured(
  pmid: string,
  opts: Partial<{
    conv: string;
    dir: 'inbound' | 'outbound';
    at: number;
    content: string;
    sender: string;
    name: string;
    capturedAt: number;
  }> = {},
): HubEvent {
  const at = opts.at ?? 1000;
  return {
    event_id: `e${++n}`,
    type: 'MessageCaptured',
    schema_version: 2,
    account_id: ACC,
    occurred_at: at,
    captured_at: opts.capturedAt ?? at + 10,
    payload: {
      platform_message_id: pmid,
      channel: 'direct',
      conversation_id: opts.conv ?? 'c1',
      direction: opts.dir ?? 'inbound',
      sender: { platform_user_id: opts.sender ?? 'u1', ...(opts.name ? { name: opts.name } : {}) },
      content: opts.content ?? `内容${pmid}`,
      message_type: 'text',
      created_at: at,
      captured_by: null,
    },
  };
}
function edited(pmid: string, content: string, at: number): HubEvent {
  return {
    event_id: `e${++n}`,
    type: 'MessageEdited',
    schema_version: 1,
    account_id: ACC,
    occurred_at: at,
    captured_at: at,
    payload: {
      platform_message_id: pmid,
      conversation_id: 'c1',
      new_content: content,
      edited_at: at,
      edited_by: 'u1',
    },
  };
}
function recalled(pmid: string, at = 5000): HubEvent {
  return {
    event_id: `e${++n}`,
    type: 'MessageRecalled',
    schema_version: 1,
    account_id: ACC,
    occurred_at: at,
    captured_at: at,
    payload: { platform_message_id: pmid, conversation_id: 'c1', recalled_at: at, recalled_by: 'u1' },
  };
}

function run(events: HubEvent[]): FoldState {
  const state = emptyFoldState();
  foldBatch(
    state,
    events.map((event, i) => sequenced(i + 1, event)),
  );
  return state;
}
const msg = (s: FoldState, pmid: string) => s.messages.get(messageId(ACC, pmid))!;
const conv = (s: FoldState) => s.conversations.get(conversationId(ACC, 'direct', 'c1'))!;

describe('fold', () => {
  it('counts inbound messages as unread and tracks the newest as last message', () => {
    const s = run([
      captured('1', { at: 1000 }),
      captured('2', { at: 3000 }),
      captured('3', { at: 2000, dir: 'outbound', sender: ACC }),
    ]);
    expect(conv(s)).toMatchObject({
      unreadCount: 2,
      messageCount: 3,
      lastMessageId: messageId(ACC, '2'),
      friendId: 'u1',
    });
  });

  it('ignores a second capture of the same message', () => {
    const s = run([captured('1', { content: '第一次' }), captured('1', { content: '第二次' })]);
    expect(msg(s, '1').content).toBe('第一次');
    expect(conv(s).unreadCount).toBe(1);
  });

  it('applies an edit that arrived before its message once the message comes', () => {
    const s = run([edited('1', '改过的', 2000), captured('1', { content: '原文' })]);
    expect(msg(s, '1')).toMatchObject({ content: '改过的', edited: true, captureSeq: 2 });
    expect(conv(s).lastMessage).toBe('改过的');
  });

  it('keeps the newest edit by platform time whatever the arrival order', () => {
    const s = run([captured('1'), edited('1', '后改', 3000), edited('1', '先改', 2000)]);
    expect(msg(s, '1').content).toBe('后改');
    expect(s.edits).toHaveLength(2);
  });

  it('a recall before the capture keeps the message out of counts', () => {
    const s = run([recalled('1'), captured('1')]);
    expect(msg(s, '1')).toMatchObject({ recalled: true, captureSeq: 2 });
    expect(conv(s)).toMatchObject({ unreadCount: 0, messageCount: 0, lastMessageId: null });
  });

  it('recalling the last message asks for the last message to be recomputed', () => {
    const s = run([captured('1', { at: 1000 }), captured('2', { at: 2000 }), recalled('2'), recalled('2')]);
    expect(conv(s)).toMatchObject({ unreadCount: 1, messageCount: 1 });
    expect(s.recomputeLast.has(conv(s).id)).toBe(true);
    expect(msg(s, '2').recallSeq).toBe(3);
  });

  it('a late, older profile observation does not overwrite a newer one', () => {
    const s = run([
      captured('1', { name: '新名字', capturedAt: 9000 }),
      captured('2', { name: '旧名字', capturedAt: 5000 }),
    ]);
    expect(s.users.get('u1')).toMatchObject({ name: '新名字', profileCapturedAt: 9000, messageCount: 2 });
  });

  it('takes a profile seen without a message by the same newest-wins rule, counting no message', () => {
    const seen = (profile: object, capturedAt: number, observedAt?: number): HubEvent => ({
      event_id: `e${++n}`,
      type: 'UserProfileObserved',
      schema_version: 1,
      account_id: 'dy_2',
      occurred_at: capturedAt - 5,
      captured_at: capturedAt,
      payload: {
        user: { platform_user_id: 'u1', ...profile },
        ...(observedAt === undefined ? {} : { observed_at: observedAt }),
      },
    });
    const s = run([
      captured('1', { name: '小红', at: 1000, capturedAt: 5000 }),
      seen({ name: '小红薯', signature: '爱生活' }, 8000, 7000),
      captured('2', { name: '小红', at: 2000, capturedAt: 6000 }), // older than the observation
      seen({ name: '旧昵称', follower_count: 12 }, 4000), // older still: fills only the unknown
    ]);
    expect(s.users.get('u1')).toMatchObject({
      name: '小红薯',
      signature: '爱生活',
      followerCount: 12,
      profileCapturedAt: 8000,
      profileSeq: 4, // the last event that changed a value: the old follower count filled a gap
      messageCount: 2,
      accounts: [ACC],
      firstSeenAt: 1000,
      lastSeenAt: 7000,
    });
    expect(run([seen({ name: '路人' }, 3000)]).users.get('u1')).toMatchObject({
      messageCount: 0,
      accounts: [],
      firstSeenAt: 2995,
    });
  });

  it('ends with each field of the newest observation that carried it, whatever the arrival order', () => {
    const fields = {
      name: fc.constantFrom('小红', '小红薯', '红红'),
      avatar: fc.constantFrom('https://p3.douyinpic.com/a.jpeg', 'https://p3.douyinpic.com/b.jpeg'),
      signature: fc.constantFrom('爱生活', '今天也要加油'),
      follower_count: fc.nat(10_000),
      is_verified: fc.boolean(),
    };
    const observation = fc.record(
      {
        profile: fc.record(fields, { requiredKeys: [] }),
        message: fc.boolean(),
      },
      { requiredKeys: ['profile', 'message'] },
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), observation), {
          minLength: 1,
          maxLength: 8,
          selector: ([t]) => t,
        }),
        fc.infiniteStream(fc.nat()),
        (observations, shuffle) => {
          const order = [...observations];
          for (let i = order.length - 1; i > 0; i--) {
            const j = shuffle.next().value % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const events = order.map(([t, o], i): HubEvent => {
            const user = { platform_user_id: '用户_1', ...o.profile };
            if (!o.message) {
              return {
                event_id: `p${i}`,
                type: 'UserProfileObserved',
                schema_version: 1,
                account_id: ACC,
                occurred_at: t,
                captured_at: t,
                payload: { user },
              };
            }
            const e = captured(`m${i}`, { capturedAt: t }) as EventOf<'MessageCaptured'>;
            return { ...e, payload: { ...e.payload, sender: user } };
          });
          const u = run(events).users.get('用户_1')!;
          const newest = [...observations].sort(([a], [b]) => b - a);
          const expected = (k: keyof typeof fields) =>
            newest.find(([, o]) => o.profile[k] !== undefined)?.[1].profile[k] ?? null;
          expect([u.name, u.avatar, u.signature, u.followerCount, u.isVerified]).toEqual([
            expected('name'),
            expected('avatar'),
            expected('signature'),
            expected('follower_count'),
            expected('is_verified'),
          ]);
          expect(u.profileCapturedAt).toBe(newest[0]![0]);
          expect(u.messageCount).toBe(observations.filter(([, o]) => o.message).length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same rows however the log is cut into batches (names, versions, profiles)', () => {
    const names = ['小红', '小红薯', '阿强', '强哥'];
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('capture' as const),
        user: fc.nat(2),
        conv: fc.nat(2),
        account: fc.constantFrom(ACC, 'dy_2'),
        name: fc.option(fc.constantFrom(...names), { nil: undefined }),
        capturedAt: fc.nat(50),
      }),
      fc.record({
        kind: fc.constant('observe' as const),
        user: fc.nat(2),
        name: fc.option(fc.constantFrom(...names), { nil: undefined }),
        followers: fc.option(fc.nat(100), { nil: undefined }),
        capturedAt: fc.nat(50),
      }),
    );
    type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;
    const eventOf = (x: Step, i: number): HubEvent => {
      const user = {
        platform_user_id: `用户${x.user}`,
        ...(x.name === undefined ? {} : { name: x.name }),
      };
      if (x.kind === 'observe') {
        return {
          event_id: `o${i}`,
          type: 'UserProfileObserved',
          schema_version: 1,
          account_id: ACC,
          occurred_at: x.capturedAt,
          captured_at: x.capturedAt,
          payload: {
            user: { ...user, ...(x.followers === undefined ? {} : { follower_count: x.followers }) },
          },
        };
      }
      const e = captured(`m${i}`, {
        conv: `会话${x.conv}`,
        capturedAt: x.capturedAt,
        at: i,
      }) as EventOf<'MessageCaptured'>;
      return { ...e, account_id: x.account, payload: { ...e.payload, sender: user } };
    };
    /** Folds batch by batch, each over a fresh state holding the rows so far (as a load would). */
    const inBatches = (events: SequencedEvent[], cuts: number[]) => {
      let rows = emptyFoldState();
      let from = 0;
      for (const to of [...new Set(cuts.map((c) => c % (events.length + 1)))]
        .sort((a, b) => a - b)
        .concat(events.length)) {
        const next = emptyFoldState();
        for (const k of ['messages', 'conversations', 'users', 'accounts'] as const)
          for (const [id, row] of rows[k]) (next[k] as Map<string, unknown>).set(id, structuredClone(row));
        foldBatch(next, events.slice(from, to));
        rows = next;
        from = to;
      }
      return rows;
    };
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (steps, cuts) => {
          const events = steps.map((x, i) => sequenced(i + 1, eventOf(x, i)));
          const whole = inBatches(events, []);
          const cut = inBatches(events, cuts);
          for (const k of ['messages', 'conversations', 'users', 'accounts'] as const)
            expect(new Map(cut[k] as Map<string, unknown>)).toEqual(whole[k]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lists the accounts a user sent messages to in the order of their first message, counted once each', () => {
    const other = (pmid: string): HubEvent => ({ ...captured(pmid), account_id: 'dy_0' }) as HubEvent;
    const s = run([captured('1'), other('1'), captured('2'), captured('1'), other('2')]);
    expect(s.users.get('u1')).toMatchObject({ accounts: [ACC, 'dy_0'], messageCount: 4 });
  });

  it('keeps the captured content as the original once a message is edited, whatever came first', () => {
    const plain = run([captured('1', { content: '原文' })]);
    expect(msg(plain, '1').originalContent).toBeNull();
    const late = run([
      captured('1', { content: '原文' }),
      edited('1', '改一', 2000),
      edited('1', '改二', 3000),
    ]);
    expect(msg(late, '1')).toMatchObject({ content: '改二', originalContent: '原文' });
    const early = run([edited('1', '先到的修改', 2000), captured('1', { content: '原文' })]);
    expect(msg(early, '1')).toMatchObject({ content: '先到的修改', originalContent: '原文' });
  });

  it('pins, archives, mutes and tags a conversation; tags stay unique and at most 20', () => {
    const c = conversationId(ACC, 'direct', 'c1');
    const act = (type: string, payload: object, at = 9000): HubEvent =>
      ({
        event_id: `e${++n}`,
        type,
        schema_version: 1,
        account_id: ACC,
        occurred_at: at,
        captured_at: at,
        payload: { conversation_id: c, ...payload },
      }) as HubEvent;
    const many = Array.from({ length: 25 }, (_, i) => `标签${i}`);
    const s = run([
      captured('1'),
      act('ConversationPinned', {}, 5000),
      act('ConversationPinned', {}, 6000),
      act('ConversationArchived', {}),
      act('ConversationMuted', { mute_until: 99_000 }),
      act('ConversationTagged', { tags: ['重要', '客户', '重要'] }),
      act('ConversationTagged', { tags: many.slice(0, 20) }),
      act('ConversationUntagged', { tag: '客户' }),
    ]);
    expect(conv(s)).toMatchObject({
      isPinned: true,
      pinnedAt: 5000,
      isArchived: true,
      muteUntil: 99_000,
      version: 8,
    });
    expect(conv(s).tags).toEqual(['重要', ...many.slice(0, 18)]);
  });

  it('ignores an action on a conversation it does not know', () => {
    const s = run([
      {
        event_id: 'x',
        type: 'ConversationPinned',
        schema_version: 1,
        account_id: ACC,
        occurred_at: 1,
        captured_at: 1,
        payload: { conversation_id: conversationId(ACC, 'direct', 'nope') },
      },
    ]);
    expect(s.conversations.size).toBe(0);
    expect(s.dirty.conversations.size).toBe(0);
  });

  it('blocks and unblocks a user per account, keeping the first block', () => {
    const block = (type: 'UserBlocked' | 'UserUnblocked', at: number): HubEvent => ({
      event_id: `e${++n}`,
      type,
      schema_version: 1,
      account_id: ACC,
      occurred_at: at,
      captured_at: at,
      actor: 'ops',
      payload: { platform_user_id: 'u9' },
    });
    const blocked = run([block('UserBlocked', 1), block('UserBlocked', 2)]);
    expect([...blocked.blocked.values()]).toEqual([
      { accountId: ACC, platformUserId: 'u9', blockedAt: 1, blockedBy: 'ops', blockedSeq: 1 },
    ]);
    const unblocked = run([block('UserBlocked', 1), block('UserUnblocked', 2)]);
    expect([...unblocked.blocked.values()]).toEqual([null]);
  });

  it('reads a whole conversation up to a time, including messages captured later but created before', () => {
    const c = conversationId(ACC, 'direct', 'c1');
    const read = (at: number, ids?: string[]): HubEvent => ({
      event_id: `e${++n}`,
      type: 'MessagesMarkedRead',
      schema_version: 1,
      account_id: ACC,
      occurred_at: at,
      captured_at: at,
      payload: { conversation_id: c, read_at: at, ...(ids ? { message_ids: ids } : {}) },
    });
    const s = run([
      captured('1', { at: 1000 }),
      captured('2', { at: 3000 }),
      captured('3', { at: 2000, dir: 'outbound', sender: ACC }),
      read(2500),
      captured('4', { at: 2200 }), // late capture, created before the mark: read
      captured('5', { at: 2600 }), // after the mark: unread
      read(2500),
      recalled('2'), // unread and recalled: stops counting
    ]);
    expect(conv(s)).toMatchObject({ unreadCount: 1, readThrough: 2500 });
    expect(msg(s, '1').readAt).toBe(2500);
    expect(msg(s, '3').readAt).toBeNull(); // outbound is never unread
    expect(msg(s, '4')).toMatchObject({ readAt: 2500, readSeq: 5 });
    expect(s.outcomes).toEqual([
      { accountId: ACC, seq: 4, updated: 1 },
      { accountId: ACC, seq: 7, updated: 0 },
    ]);
  });

  it('reads single messages once; a second mark updates none', () => {
    const c = conversationId(ACC, 'direct', 'c1');
    const read = (ids: string[]): HubEvent => ({
      event_id: `e${++n}`,
      type: 'MessagesMarkedRead',
      schema_version: 1,
      account_id: ACC,
      occurred_at: 5000,
      captured_at: 5000,
      payload: { conversation_id: c, read_at: 5000, message_ids: ids },
    });
    const s = run([
      captured('1'),
      captured('2'),
      read([messageId(ACC, '1')]),
      read([messageId(ACC, '1'), messageId(ACC, '9')]),
    ]);
    expect(conv(s).unreadCount).toBe(1);
    expect(s.outcomes.map((o) => o.updated)).toEqual([1, 0]);
  });
});

describe('fold: accounts', () => {
  const ev = hubEvents('fold-acc');

  it('registers an account seen on the log, keeping its counts; a second registration changes nothing', () => {
    const s = run([
      captured('1', { at: 1000, capturedAt: 1500 }),
      ev.registered(ACC, 2000, { display_name: '旗舰店' }),
      ev.registered(ACC, 3000, { display_name: '别的名字' }),
    ]);
    expect(s.accounts.get(ACC)).toMatchObject({
      displayName: '旗舰店',
      platform: 'douyin',
      status: 'active',
      registeredAt: 2000,
      registeredBy: 'ops_wang',
      registeredSeq: 2,
      messageCount: 1,
      lastMessageCapturedAt: 1500,
      lastSeq: 3,
      removed: false,
    });
  });

  it('updates only the fields given; notes: null clears them', () => {
    const s = run([
      ev.registered(ACC, 1000, { notes: '大客户' }),
      ev.updated(ACC, 2000, { status: 'paused' }),
      ev.updated(ACC, 3000, { notes: null, display_name: '新店名' }),
    ]);
    expect(s.accounts.get(ACC)).toMatchObject({
      displayName: '新店名',
      status: 'paused',
      notes: null,
      updatedAt: 3000,
      registeredAt: 1000,
    });
  });

  it('a removal keeps the row and its counts, ignores later updates, and a new registration brings it back', () => {
    const removed = run([
      ev.registered(ACC, 1000),
      captured('1', { at: 1500 }),
      ev.removed(ACC, 2000),
      ev.removed(ACC, 2500),
      ev.updated(ACC, 3000, { status: 'disabled' }),
      captured('2', { at: 3500 }), // a worker still reporting: projected all the same
    ]);
    expect(removed.accounts.get(ACC)).toMatchObject({
      removed: true,
      removedAt: 2000,
      removedBy: 'ops_li',
      removedSeq: 3,
      status: 'active',
      messageCount: 2,
    });
    expect(removed.messages.size).toBe(2);
    const back = run([
      ev.registered(ACC, 1000),
      ev.removed(ACC, 2000),
      ev.registered(ACC, 3000, { status: 'paused' }),
    ]);
    expect(back.accounts.get(ACC)).toMatchObject({
      removed: false,
      removedAt: null,
      registeredAt: 3000,
      registeredSeq: 3,
      status: 'paused',
    });
  });
});

describe('fold: replies', () => {
  const ev = hubEvents('fold-rep');
  const reply = (s: FoldState, key: string) => s.replies.get(replyId(ACC, key))!;

  it('keeps the first request of a reply id and settles it with the first outcome', () => {
    const s = run([
      ev.requested(ACC, 'k1', 1000, { content: '第一次' }),
      ev.requested(ACC, 'k1', 1100, { content: '第二次' }),
      ev.succeeded(ACC, 'k1', 2000, 'dm_900', 2),
      ev.failed(ACC, 'k1', 2100, '账号被限流'),
      ev.expired(ACC, 'k1', 70_000),
    ]);
    expect(reply(s, 'k1')).toMatchObject({
      content: '第一次',
      status: 'sent',
      platformMessageId: 'dm_900',
      sentAt: 2000,
      attempts: 2,
      requestSeq: 1,
      version: 3,
      failureReason: null,
      expiredAt: null,
      conversationId: conversationId(ACC, 'direct', '私信_小美'),
    });
  });

  it('a failure is final; an expiry gives way only to a late success', () => {
    const s = run([
      ev.requested(ACC, 'fail', 1000),
      ev.failed(ACC, 'fail', 2000, '对方已关闭私信', 3),
      ev.succeeded(ACC, 'fail', 3000, 'dm_1'),
      ev.requested(ACC, 'late', 1000),
      ev.expired(ACC, 'late', 61_000),
      ev.failed(ACC, 'late', 62_000, '超时'),
      ev.succeeded(ACC, 'late', 63_000, 'dm_2'),
      ev.requested(ACC, 'gone', 1000),
      ev.expired(ACC, 'gone', 61_000),
    ]);
    expect(reply(s, 'fail')).toMatchObject({
      status: 'failed',
      failureReason: '对方已关闭私信',
      attempts: 3,
    });
    expect(reply(s, 'late')).toMatchObject({
      status: 'sent',
      expiredAt: 61_000,
      sentAt: 63_000,
      failureReason: null,
    });
    expect(reply(s, 'gone')).toMatchObject({ status: 'expired', expiredAt: 61_000, attempts: 0 });
  });

  it('ignores an outcome for an unknown reply or from another account', () => {
    const other = hubEvents('fold-rep-other');
    const stray = other.succeeded('dy_other', 'k', 2000, 'dm_1');
    const s = run([
      ev.succeeded(ACC, 'nobody', 1000, 'dm_0'),
      ev.requested(ACC, 'k', 1000),
      { ...stray, payload: { ...(stray.payload as object), reply_id: replyId(ACC, 'k') } } as HubEvent,
    ]);
    expect(s.replies.size).toBe(1);
    expect(reply(s, 'k')).toMatchObject({ status: 'pending', version: 2 });
  });
});

describe('fold: API keys', () => {
  const ev = hubEvents('fold-keys');
  const K = '00000000000000c1';

  it('creates a key with its hash and scope, touching no account; a second creation changes nothing', () => {
    const s = run([ev.keyCreated(K, 1000, 'operator', ['dy_1', 'dy_2']), ev.keyCreated(K, 2000, 'admin')]);
    expect(s.apiKeys.get(K)).toMatchObject({
      name: `key ${K}`,
      role: 'operator',
      accounts: ['dy_1', 'dy_2'],
      secretSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      createdAt: 1000,
      createdBy: 'cli:root',
      createdSeq: 1,
      revokedSeq: null,
    });
    expect(s.accounts.size).toBe(0);
    expect(s.dirty.accounts.size).toBe(0);
  });

  it('a revocation is final and keeps the first; one of an unknown key changes nothing', () => {
    const s = run([
      ev.keyCreated(K, 1000, 'reader'),
      ev.keyRevoked(K, 3000),
      ev.keyRevoked(K, 4000),
      ev.keyRevoked('00000000000000ff', 5000),
    ]);
    expect(s.apiKeys.get(K)).toMatchObject({
      accounts: null,
      revokedAt: 3000,
      revokedSeq: 2,
      revokedBy: 'cli:root',
    });
    expect(s.apiKeys.has('00000000000000ff')).toBe(false);
  });
});

describe('keysOf', () => {
  it('leaves out only the first captures of messages no event mentioned before (MetMessages)', () => {
    const events = [
      ...withClientActions(
        simulateEvents({ seed: 5, events: 3000, accounts: 3, conversationsPerAccount: 8, runId: 'met' }),
        { seed: 6, rate: 0.3 },
      ),
    ].map((e, i) => sequenced(i + 1, e));
    // a capture again of the first message, and an edit that comes before its message
    const first = events.find((e) => e.event.type === 'MessageCaptured')!;
    const again = sequenced(events.length + 1, { ...first.event, event_id: 'again' });
    const early = sequenced(0, {
      ...first.event,
      event_id: 'early',
      type: 'MessageEdited',
      schema_version: 1,
      payload: {
        platform_message_id: 'late',
        conversation_id: 'c',
        new_content: '先改',
        edited_at: 1,
        edited_by: 'u',
      },
    } as HubEvent);
    const late = sequenced(events.length + 2, {
      ...first.event,
      event_id: 'late',
      payload: { ...(first.event as EventOf<'MessageCaptured'>).payload, platform_message_id: 'late' },
    } as HubEvent);
    const log = [early, ...events, again, late];
    const met = new MetMessages();
    const cuts = [0, 1000, 2000, log.length];
    const parts = cuts.slice(1).map((end, i) => log.slice(cuts[i], end));
    const keys = parts.map((p) => keysOf(p, met)).reduce((into, more) => mergeKeys(into, more));
    const all = keysOf(log);
    const captured = log.filter((e) => e.event.type === 'MessageCaptured').map((e) => e.ids.message!);
    // every other key is kept
    expect({ ...keys, messageIds: null }).toEqual({ ...all, messageIds: null });
    expect(keys.messageIds.has(again.ids.message!)).toBe(true);
    expect(keys.messageIds.has(late.ids.message!)).toBe(true);
    // of the captures, only those of a message mentioned before are kept
    const mentioned = new Set<string>();
    const expected = new Set<string>();
    for (const e of log) {
      if (e.event.type === 'MessagesMarkedRead') {
        for (const id of e.event.payload.message_ids ?? []) {
          expected.add(id);
          mentioned.add(id);
        }
      }
      const id = e.ids.message;
      if (!id) continue;
      if (e.event.type !== 'MessageCaptured' || mentioned.has(id)) expected.add(id);
      mentioned.add(id);
    }
    expect(keys.messageIds).toEqual(expected);
    // most of a log's captures are first ones
    expect(all.messageIds.size - keys.messageIds.size).toBeGreaterThan(captured.length / 2);
  });

  it('of a batch is the merged keys of its parts, however it is cut (a replay merges its chunks)', () => {
    const source = withClientActions(
      simulateEvents({ seed: 5, events: 3000, accounts: 3, conversationsPerAccount: 8, runId: 'keys' }),
      { seed: 6, rate: 0.3 },
    );
    const events = [...source].map((e, i) => sequenced(i + 1, e));
    const whole = keysOf(events);
    expect(whole.unreadOf.size).toBeGreaterThan(0);
    expect(whole.blocked.length).toBeGreaterThan(0);
    for (const cuts of [[1], [1500], [7, 700, 2999], [...Array(30).keys()].map((i) => i * 100)]) {
      const bounds = [0, ...cuts, events.length];
      const parts = bounds.slice(1).map((end, i) => keysOf(events.slice(bounds[i], end)));
      const merged = parts.slice(1).reduce((into, more) => mergeKeys(into, more), parts[0]!);
      expect(merged).toEqual(whole);
    }
  });
});
