import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversationId, decodeEvent, messageId, parseEvent } from '../src/events/index.js';
import { createSubjects, decodeToken, encodeToken } from '../src/log/subjects.js';

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
});
