import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidEventError } from '../src/log/publisher.js';
import { ensureStream } from '../src/log/stream.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { createTestLog, type TestLog } from './support/env.js';

let log: TestLog;
beforeAll(async () => {
  log = await createTestLog('publisher');
});
afterAll(async () => {
  await log?.close();
});

const events = [...simulateEvents({ seed: 3, events: 20, editRate: 0, recallRate: 0, runId: 'pub' })];

describe('publisher', () => {
  it('appends an event and reports its sequence', async () => {
    const r = await log.publisher.publish(events[0]);
    expect(r).toEqual({ seq: 1, duplicate: false });
    const stored = await log.jsm.streams.getMessage(log.stream, { seq: 1 });
    expect(stored?.subject).toBe(log.subjects.event(events[0]!.account_id, 'MessageCaptured'));
    expect(stored?.json()).toEqual(events[0]);
  });

  it('reports the same event id inside the window as a duplicate and stores it once', async () => {
    const again = await log.publisher.publish({ ...events[0]!, captured_at: events[0]!.captured_at + 1 });
    expect(again).toEqual({ seq: 1, duplicate: true });
    const info = await log.jsm.streams.info(log.stream);
    expect(info.state.messages).toBe(1);
  });

  it('refuses an invalid event and publishes nothing', async () => {
    await expect(log.publisher.publish({ ...events[1]!, account_id: '' })).rejects.toBeInstanceOf(
      InvalidEventError,
    );
    await expect(log.publisher.publish({ ...events[1]!, type: 'Nope' })).rejects.toThrow(
      /unknown event type/,
    );
    expect((await log.jsm.streams.info(log.stream)).state.messages).toBe(1);
  });

  it('publishes many in order with acknowledgements pipelined', async () => {
    const results = await log.publisher.publishMany(events.slice(1), 8);
    expect(results.map((r) => r.seq)).toEqual(events.slice(1).map((_, i) => i + 2));
  });

  it('keeps the stream an audit log: no purge, no delete, no age limit', async () => {
    await expect(log.jsm.streams.purge(log.stream)).rejects.toThrow(/purge not permitted/);
    await expect(log.jsm.streams.deleteMessage(log.stream, 1)).rejects.toThrow(/delete not permitted/);
    const { config } = await log.jsm.streams.info(log.stream);
    expect(config).toMatchObject({ deny_delete: true, deny_purge: true, max_age: 0, storage: 'file' });
  });

  it('ensures the stream idempotently, and updates a changed de-duplication window', async () => {
    const again = await ensureStream(log.jsm, {
      name: log.stream,
      subjects: log.subjects,
      duplicateWindowMs: 60_000,
      replicas: 1,
    });
    expect(again.state.messages).toBe(20);
    const changed = await ensureStream(log.jsm, {
      name: log.stream,
      subjects: log.subjects,
      duplicateWindowMs: 30_000,
      replicas: 1,
    });
    expect(changed.config.duplicate_window).toBe(30_000 * 1_000_000);
    expect(changed.state.messages).toBe(20);
  });
});
