import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumReadModels } from '../src/db/checksum.js';
import { chainHash, GENESIS_HASH, nsToMs, rfc3339ToNs } from '../src/log/chain.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { recomputeChain } from './support/chain.js';
import {
  createTestDatabase,
  createTestLog,
  projectedTo,
  startTestProjector,
  type TestLog,
} from './support/env.js';

describe('chain hash', () => {
  it('hashes the previous hash, the sequence line and the body, as documented', () => {
    const data = new TextEncoder().encode('{"a":"你好"}');
    const entry = { seq: 7, storedNs: 1_761_100_000_123_456_789n, subject: 'imhub.events.dy_1.X', data };
    const expected = createHash('sha256')
      .update(Buffer.alloc(32))
      .update('7 1761100000123456789 imhub.events.dy_1.X 14\n')
      .update(data)
      .digest('hex');
    expect(chainHash(GENESIS_HASH, entry)).toBe(expected);
    // any change of any part changes the hash
    const changed = [
      { ...entry, seq: 8 },
      { ...entry, storedNs: entry.storedNs + 1n },
      { ...entry, subject: 'imhub.events.dy_2.X' },
      { ...entry, data: new TextEncoder().encode('{"a":"你好!"}') },
    ];
    for (const e of changed) expect(chainHash(GENESIS_HASH, e)).not.toBe(expected);
    expect(chainHash(expected, entry)).not.toBe(expected);
  });

  it('hashes bodies of any size the same way, one after another', () => {
    const reference = (
      prev: string,
      e: { seq: number; storedNs: bigint; subject: string; data: Uint8Array },
    ) =>
      createHash('sha256')
        .update(Buffer.from(prev, 'hex'))
        .update(`${e.seq} ${e.storedNs} ${e.subject} ${e.data.length}\n`)
        .update(e.data)
        .digest('hex');
    let prev = GENESIS_HASH;
    let expected = GENESIS_HASH;
    // empty, small, larger than any buffer the hash keeps between calls, then small again
    for (const [seq, size] of [
      [1, 0],
      [2, 40],
      [3, 300_000],
      [4, 3],
      [5, 1_000_000],
      [6, 10],
    ] as const) {
      const data = new TextEncoder().encode('消'.repeat(Math.ceil(size / 3)).slice(0, size));
      const e = {
        seq,
        storedNs: 1_761_100_000_000_000_000n + BigInt(seq),
        subject: `imhub.events.账号_${seq}.X`,
        data,
      };
      prev = chainHash(prev, e);
      expected = reference(expected, e);
      expect(prev).toBe(expected);
    }
    expect(() =>
      chainHash('not hex', { seq: 1, storedNs: 1n, subject: 's', data: new Uint8Array() }),
    ).toThrow(/not a chain hash/);
  });

  it('reads the JetStream API time to the nanosecond', () => {
    expect(rfc3339ToNs('2025-10-22T08:00:00.123456789Z')).toBe(1_761_120_000_123_456_789n);
    expect(rfc3339ToNs('2025-10-22T08:00:00.87943785Z')).toBe(1_761_120_000_879_437_850n);
    expect(rfc3339ToNs('2025-10-22T08:00:00Z')).toBe(1_761_120_000_000_000_000n);
    expect(rfc3339ToNs('2025-10-22T16:00:00.5+08:00')).toBe(1_761_120_000_500_000_000n);
    expect(nsToMs(1_761_120_000_123_999_999n)).toBe(1_761_120_000_123);
    expect(() => rfc3339ToNs('yesterday')).toThrow(/RFC 3339/);
  });
});

describe('chain projection', () => {
  let log: TestLog;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const EVERY = 7;

  beforeAll(async () => {
    [log, db] = await Promise.all([createTestLog('chain'), createTestDatabase('chain')]);
    const events = [...simulateEvents({ seed: 11, events: 60, accounts: 2, runId: 'chain' })];
    await log.publisher.publishMany(events.slice(0, 30));
    // malformed bodies are chained like any other stored message
    await log.js.publish(log.subjects.event('dy_10001', 'MessageCaptured'), new Uint8Array([0xff, 0x00]));
    await log.js.publish(log.subjects.event('dy_10001', 'Nonsense'), new TextEncoder().encode('{}'));
    await log.publisher.publishMany(events.slice(30));
  });

  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  async function chainRows() {
    const [head] = await db.sql<{ seq: number; hash: string }[]>`
      select seq, hash from audit_chain_heads where stream = ${log.stream}`;
    const checkpoints = await db.sql<{ seq: number; hash: string }[]>`
      select seq, hash from audit_chain_checkpoints where stream = ${log.stream} order by seq`;
    return { head, checkpoints: [...checkpoints] };
  }

  it('chains every stored sequence, rejected ones included, with a checkpoint every N', async () => {
    const p = startTestProjector(log, db, { chainCheckpointEvery: EVERY, batchSize: 9 });
    await projectedTo(db, p.name, 62);
    await p.stop();
    const expected = await recomputeChain(log);
    const { head, checkpoints } = await chainRows();
    expect(head).toEqual({ seq: 62, hash: expected[62] });
    expect(checkpoints).toEqual(
      Array.from({ length: 8 }, (_, i) => ({ seq: (i + 1) * EVERY, hash: expected[(i + 1) * EVERY] })),
    );
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from rejected_events`;
    expect(row?.n).toBe(2);
  });

  it('catches up a chain that lags the read models without applying anything twice', async () => {
    const before = await chainRows();
    const readModels = (await checksumReadModels(db.sql)).filter((t) => !t.table.startsWith('audit_'));
    // a database projected before the chain existed: read models at 62, no chain
    await db.sql`delete from audit_chain_heads`;
    await db.sql`delete from audit_chain_checkpoints`;
    const p = startTestProjector(log, db, { chainCheckpointEvery: EVERY, batchSize: 9 });
    let after: Awaited<ReturnType<typeof chainRows>> | undefined;
    for (let i = 0; i < 400 && after?.head?.seq !== 62; i++) {
      await new Promise((r) => setTimeout(r, 25));
      after = await chainRows();
    }
    await p.stop();
    expect(after).toEqual(before);
    const again = (await checksumReadModels(db.sql)).filter((t) => !t.table.startsWith('audit_'));
    expect(again).toEqual(readModels);
  });
});
