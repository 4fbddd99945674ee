import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conversationId,
  decodeEvent,
  decodeEventText,
  messageId,
  parseEvent,
  replyId,
} from '../src/events/index.js';
import { createSubjects, decodeToken, encodeToken, replyConsumerName } from '../src/log/subjects.js';

const captured = {
  event_id: 'evt-1',
  type: 'MessageCaptured',
  schema_version: 1,
  account_id: 'dy_10001',
  occurred_at: 1_761_100_000_000,
  captured_at: 1_761_100_003_000,
  payload: {
    platform_message_id: '7291',
    channel: 'direct',
    conversation_id: 'conv_88',
    direction: 'inbound',
    sender: { platform_user_id: 'u_5', name: '小红' },
    content: '你好，请问还有货吗？',
    message_type: 'text',
    created_at: 1_761_100_000_000,
  },
};

describe('event contract', () => {
  it('accepts a valid event and strips unknown fields', () => {
    const r = parseEvent({ ...captured, extra: 'x' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.event).not.toHaveProperty('extra');
  });

  it('names the field that is wrong', () => {
    const r = parseEvent({ ...captured, payload: { ...captured.payload, direction: 'sideways' } });
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.reason).toMatch(/^payload\.direction:/);
  });

  it('rejects unknown types, future versions and non-objects with a reason', () => {
    expect(parseEvent({ ...captured, type: 'MessageExploded' })).toEqual({
      ok: false,
      reason: 'type: unknown event type "MessageExploded"',
    });
    const future = parseEvent({ ...captured, schema_version: 9 });
    expect(future.ok).toBe(false);
    if (!future.ok) expect(future.reason).toMatch(/newer than this service knows/);
    expect(parseEvent([1, 2]).ok).toBe(false);
    expect(parseEvent(null).ok).toBe(false);
  });

  it("gives a body's text only when it is the validated event's exact JSON", () => {
    const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const exact = parseEvent(captured);
    expect(exact.ok).toBe(true);
    if (!exact.ok) return;
    const body = JSON.stringify(exact.event);
    expect(decodeEventText(new TextEncoder().encode(body))).toEqual({ result: exact, text: body });
    // an unknown field stripped, a key in another order, a value trimmed, an older version
    // upcast: the event is not what the text says
    expect(decodeEventText(bytes({ ...exact.event, extra: 'x' })).text).toBeNull();
    const { event_id, ...rest } = exact.event;
    expect(decodeEventText(bytes({ ...rest, event_id })).text).toBeNull();
    const tagged = {
      event_id: 'evt-2',
      type: 'ConversationUntagged',
      schema_version: 1,
      account_id: 'dy_10001',
      occurred_at: 1,
      captured_at: 1,
      payload: { conversation_id: 'c_AAAAAAAAAAAAAAAAAAAAAA', tag: ' 重要 ' },
    };
    const parsedTag = decodeEventText(bytes(tagged));
    expect(parsedTag.result.ok && parsedTag.result.event.type === 'ConversationUntagged').toBe(true);
    expect(parsedTag.text).toBeNull();
    if (parsedTag.result.ok) {
      const trimmed = JSON.stringify(parsedTag.result.event);
      expect(trimmed).toContain('"tag":"重要"');
      expect(decodeEventText(new TextEncoder().encode(trimmed)).text).toBe(trimmed);
    }
    expect(decodeEventText(bytes({ ...exact.event, schema_version: 1 })).text).toBeNull();
    // not asked for, or not valid: no text
    expect(decodeEventText(new TextEncoder().encode(body), false).text).toBeNull();
    expect(decodeEventText(bytes({ ...exact.event, account_id: '' })).text).toBeNull();
  });

  it('rejects bytes that are not UTF-8 JSON', () => {
    const r = decodeEvent(new Uint8Array([0xff, 0xfe, 0x00]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^\(body\): not UTF-8 JSON/);
    expect(decodeEvent(new TextEncoder().encode('{"type":')).ok).toBe(false);
  });

  it('accepts a profile seen without a message, and names a bad field of it', () => {
    const observed = {
      event_id: 'w7-20251022-profile-88',
      type: 'UserProfileObserved',
      schema_version: 1,
      account_id: 'dy_10001',
      occurred_at: 1_761_100_000_000,
      captured_at: 1_761_100_002_000,
      payload: {
        user: { platform_user_id: 'u_5', name: '小红', signature: '爱生活，爱分享', follower_count: 1280 },
        observed_at: 1_761_100_000_000,
      },
    };
    expect(parseEvent(observed).ok).toBe(true);
    const { observed_at: _, ...withoutTime } = observed.payload;
    expect(parseEvent({ ...observed, payload: withoutTime }).ok).toBe(true);
    const bad = parseEvent({
      ...observed,
      payload: { user: { platform_user_id: 'u_5', follower_count: -1 } },
    });
    expect(bad).toMatchObject({ ok: false });
    if (!bad.ok) expect(bad.reason).toMatch(/^payload\.user\.follower_count:/);
  });

  it('upcasts a version-1 capture to version 2: the capturing worker is not known', () => {
    const r = parseEvent(captured);
    expect(r.ok).toBe(true);
    if (!r.ok || r.event.type !== 'MessageCaptured') throw new Error('expected a capture');
    expect(r.event.schema_version).toBe(2);
    expect(r.event.payload.captured_by).toBeNull();
    expect(r.event.payload.content).toBe(captured.payload.content);
    // a stray captured_by in a version-1 event is not trusted: version 1 did not have it
    const stray = parseEvent({ ...captured, payload: { ...captured.payload, captured_by: 'w9' } });
    expect(stray.ok && stray.event.type === 'MessageCaptured' && stray.event.payload.captured_by).toBeNull();
  });

  it('takes version 2 as it is, and names captured_by when version 2 lacks it', () => {
    const v2 = { ...captured, schema_version: 2, payload: { ...captured.payload, captured_by: 'worker-7' } };
    const r = parseEvent(v2);
    expect(r.ok && r.event.type === 'MessageCaptured' && r.event.payload.captured_by).toBe('worker-7');
    const missing = parseEvent({ ...captured, schema_version: 2 });
    expect(missing).toMatchObject({ ok: false });
    if (!missing.ok) expect(missing.reason).toMatch(/^payload\.captured_by:/);
  });

  it('leaves a version-1 capture whose payload is not an object for validation to name', () => {
    const r = parseEvent({ ...captured, payload: 'nonsense' });
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.reason).toMatch(/^payload:/);
  });

  it('accepts account and reply events, and names the field that is wrong', () => {
    const envelope = { ...captured, event_id: 'evt-2', actor: 'ops_wang' };
    const registered = {
      ...envelope,
      type: 'AccountRegistered',
      payload: { display_name: ' 官方旗舰店 ', platform: 'douyin', status: 'active', notes: null },
    };
    const r = parseEvent(registered);
    expect(r.ok && r.event.payload).toEqual({ ...registered.payload, display_name: '官方旗舰店' });
    const bad = parseEvent({ ...registered, payload: { ...registered.payload, status: 'sleeping' } });
    expect(!bad.ok && bad.reason).toMatch(/^payload\.status:/);
    expect(parseEvent({ ...envelope, type: 'AccountUpdated', payload: { notes: null } }).ok).toBe(true);
    const empty = parseEvent({ ...envelope, type: 'AccountUpdated', payload: {} });
    expect(!empty.ok && empty.reason).toMatch(/^payload: must change at least one field/);
    expect(parseEvent({ ...envelope, type: 'AccountRemoved', payload: {} }).ok).toBe(true);

    const id = replyId('dy_10001', 'crm-7f2c');
    const requested = {
      ...envelope,
      event_id: id,
      type: 'ReplyRequested',
      payload: {
        reply_id: id,
        idempotency_key: 'crm-7f2c',
        channel: 'comment',
        conversation_id: 'video_1',
        reply_to: 'comment_9',
        content: '谢谢支持！',
        requested_at: 1_761_100_000_000,
        expires_at: 1_761_100_300_000,
      },
    };
    expect(parseEvent(requested).ok).toBe(true);
    const noContent = parseEvent({ ...requested, payload: { ...requested.payload, content: '' } });
    expect(!noContent.ok && noContent.reason).toMatch(/^payload\.content:/);
    const badId = parseEvent({
      ...envelope,
      type: 'ReplySucceeded',
      payload: { reply_id: 'x', platform_message_id: 'dm_1', sent_at: 1, attempts: 1 },
    });
    expect(!badId.ok && badId.reason).toMatch(/^payload\.reply_id:/);
    const noAttempts = parseEvent({
      ...envelope,
      type: 'ReplyFailed',
      payload: { reply_id: id, reason: '限流', failed_at: 1, attempts: 0 },
    });
    expect(!noAttempts.ok && noAttempts.reason).toMatch(/^payload\.attempts:/);
    expect(
      parseEvent({ ...envelope, type: 'ReplyExpired', payload: { reply_id: id, expired_at: 2 } }).ok,
    ).toBe(true);
  });

  it('rejects an event id that cannot be a Nats-Msg-Id header', () => {
    expect(parseEvent({ ...captured, event_id: 'has space' }).ok).toBe(false);
    expect(parseEvent({ ...captured, event_id: 'line\nbreak' }).ok).toBe(false);
  });
});

describe('ids', () => {
  it('derives the same message id from the same identity, different ids otherwise', () => {
    expect(messageId('a', '1')).toBe(messageId('a', '1'));
    expect(messageId('a', '1')).not.toBe(messageId('b', '1'));
    // the separator keeps ("a1", "") and ("a", "1") apart
    expect(messageId('a1', '')).not.toBe(messageId('a', '1'));
    expect(conversationId('a', 'direct', 'x')).not.toBe(conversationId('a', 'comment', 'x'));
  });

  it('derives a reply id from the account and the idempotency key', () => {
    expect(replyId('a', 'k')).toMatch(/^r_[A-Za-z0-9_-]{22}$/);
    expect(replyId('a', 'k')).toBe(replyId('a', 'k'));
    expect(replyId('a', 'k')).not.toBe(replyId('b', 'k'));
    expect(replyId('a', 'k')).not.toBe(replyId('a', 'k2'));
  });

  it('never changes an id: stored rows, clients and replays all hold them', () => {
    expect(messageId('dy_10001', '7291')).toBe('m_4a0JBAnVRjrK2DIp7eB58x');
    expect(conversationId('dy_10001', 'direct', '会话0')).toBe('c_8l8CIna6IYYOkNrZABcxhr');
  });
});

describe('subjects', () => {
  it('round-trips any id through one safe subject token', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (id) => {
        const token = encodeToken(id);
        expect(token).toMatch(/^[A-Za-z0-9_~-]+$/);
        expect(decodeToken(token)).toBe(id);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps dots, wildcards and Chinese inside one token', () => {
    const s = createSubjects('imhub.events');
    const subject = s.event('抖音.号 *>', 'MessageCaptured');
    expect(subject.split('.')).toHaveLength(4);
    expect(s.parse(subject)).toEqual({ accountId: '抖音.号 *>', type: 'MessageCaptured' });
    expect(s.parse('other.x.MessageCaptured')).toBeNull();
  });

  it('reads only subjects of its own layout: prefix, one account token, one type', () => {
    const s = createSubjects('imhub.events');
    expect(s.parse('imhub.events.dy~2E1.MessageCaptured')).toEqual({
      accountId: 'dy.1',
      type: 'MessageCaptured',
    });
    for (const bad of [
      'imhub.events.dy_1',
      'imhub.events.dy_1.MessageCaptured.x',
      'imhub.events..MessageCaptured',
      'imhub.events.dy_1.',
      'imhub.events.',
      'imhub.eventsX.dy_1.MessageCaptured',
      'imhub.dy_1.MessageCaptured',
    ]) {
      expect(s.parse(bad), bad).toBeNull();
    }
  });

  it("names each account's reply commands: one subject, one durable consumer", () => {
    const s = createSubjects('imhub.events');
    expect(s.replyRequests('dy.1')).toBe('imhub.events.dy~2E1.ReplyRequested');
    expect(replyConsumerName('dy_10001')).toBe('replies-dy_10001');
    expect(replyConsumerName('抖音号')).toMatch(/^replies-[A-Za-z0-9_~-]+$/);
    const long = replyConsumerName('号'.repeat(200));
    expect(long.length).toBeLessThanOrEqual(108);
    expect(long).not.toBe(replyConsumerName(`${'号'.repeat(199)}店`));
  });
});
