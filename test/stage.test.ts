import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumReadModels } from '../src/db/checksum.js';
import { decodeEvent, type HubEvent } from '../src/events/index.js';
import { type SequencedEvent, sequenced } from '../src/projections/fold.js';
import {
  createReadModelsProjection,
  prepareEvent,
  type StagedBatch,
} from '../src/projections/read-models.projection.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { withClientActions } from '../src/worker/simulate-actions.js';
import { chatEvents } from './support/chat-events.js';
import { createTestDatabase } from './support/env.js';

// A bulk replay folds batch N + 1 while batch N commits (`ReadModelsProjection.stage`): the
// tables may not show batch N yet, and its rows stand in for them. Here each batch is staged
// before the one before it is written at all, so every read of the tables misses that batch:
// the rows must still be those of the live projection applying the batches one after another.

type Db = Awaited<ReturnType<typeof createTestDatabase>>;
let live: Db;
let staged: Db;

beforeAll(async () => {
  [live, staged] = await Promise.all([createTestDatabase('stage_live'), createTestDatabase('stage_ahead')]);
});

afterAll(async () => {
  await Promise.all([live?.drop(), staged?.drop()]);
});

/** The events as the log hands them to the projection: validated, sequenced, prepared. */
function sequence(events: HubEvent[]): SequencedEvent[] {
  return events.map((e, i) => {
    const parsed = decodeEvent(new TextEncoder().encode(JSON.stringify(e)));
    if (!parsed.ok) throw new Error(`test event ${i} is invalid: ${parsed.reason}`);
    return prepareEvent(sequenced(i + 1, parsed.event));
  });
}

/** The rows of `batches` applied by the live projection, one transaction each. */
async function applied(db: Db, batches: SequencedEvent[][]) {
  const readModels = createReadModelsProjection();
  for (const batch of batches) await db.sql.begin((tx) => readModels.apply(tx, batch));
  return checksumReadModels(db.sql);
}

/** The rows of `batches` staged as a bulk replay does, each one before the one before it is written. */
async function stagedAhead(db: Db, batches: SequencedEvent[][], heldRows: number) {
  const readModels = createReadModelsProjection({ writeBack: true, cacheSize: heldRows });
  let previous: StagedBatch | null = null;
  for (const batch of batches) {
    const next = await readModels.stage(db.sql, batch, previous);
    if (previous) await db.sql.begin((tx) => previous!.write(tx));
    previous = next;
  }
  if (previous) await db.sql.begin((tx) => previous!.write(tx));
  await db.sql.begin((tx) => readModels.flush(tx));
  return checksumReadModels(db.sql);
}

async function clear(...dbs: Db[]) {
  for (const db of dbs) {
    await db.sql`truncate messages, message_edits, conversations, users, accounts, blocked_users,
      replies, api_keys, action_outcomes`;
  }
}

const nonEmpty = (sums: { table: string; rows: number }[]) =>
  Object.fromEntries(sums.filter((t) => t.rows > 0).map((t) => [t.table, t.rows]));

describe('a batch staged while the one before it is not yet written', () => {
  it('reads that batch’s rows: edited, recalled, marked read, renamed, blocked and unblocked', async () => {
    await clear(live, staged);
    const A = 'dy_旗舰店';
    const chat = chatEvents('stage');
    let n = 0;
    const at = 1_760_000_900_000;
    const envelope = (actor?: string) => ({
      event_id: `stage-x-${++n}`,
      schema_version: 1 as const,
      account_id: A,
      occurred_at: at + n,
      captured_at: at + n,
      ...(actor ? { actor } : {}),
    });
    const block = (type: 'UserBlocked' | 'UserUnblocked', user: string): HubEvent =>
      ({ ...envelope('ops_wang'), type, payload: { platform_user_id: user } }) as HubEvent;
    const rename = (user: string, name: string): HubEvent =>
      ({
        ...envelope(),
        type: 'UserProfileObserved',
        payload: { user: { platform_user_id: user, name }, observed_at: at + n },
      }) as HubEvent;
    // message m is in conversation 会话<m % 3>, from fan 粉丝_<m % 3> when inbound
    const zero: HubEvent[] = [block('UserBlocked', '粉丝_2')];
    const first: HubEvent[] = [
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((msg) => chat(A, { kind: 'capture', msg, inbound: msg !== 7 })),
      block('UserBlocked', '粉丝_1'),
      block('UserUnblocked', '粉丝_2'),
    ];
    const second: HubEvent[] = [
      chat(A, { kind: 'recall', msg: 5 }), // 会话2's last message: the one before it takes its place
      chat(A, { kind: 'read', conv: 1 }), // every unread message of 会话1
      chat(A, { kind: 'edit', msg: 4 }),
      rename('粉丝_0', '新名字'), // 会话0, which this batch does not touch otherwise, shows it
      block('UserBlocked', '粉丝_1'), // blocked already, since the first batch
      block('UserBlocked', '粉丝_2'), // blocked anew: the first batch unblocked
    ];
    // a batch that touches no conversation, then renames: with one row held, the conversations
    // the renames reach are in the tables alone, neither in memory nor in the batch before
    const filler: HubEvent[] = [block('UserBlocked', '粉丝_0')];
    const third: HubEvent[] = [rename('粉丝_1', '又一个名字'), rename('粉丝_0', '第三个名字')];
    const all = sequence([...zero, ...first, ...second, ...filler, ...third]);
    const batches: SequencedEvent[][] = [];
    let from = 0;
    for (const part of [zero, first, second, filler, third]) {
      batches.push(all.slice(from, from + part.length));
      from += part.length;
    }

    const expected = await applied(live, batches);
    expect(nonEmpty(expected)).toMatchObject({ messages: 8, conversations: 3, blocked_users: 3 });
    // held rows: one (every conversation, user and account is written with its batch), and many
    expect(await stagedAhead(staged, batches, 1)).toEqual(expected);
    await clear(staged);
    expect(await stagedAhead(staged, batches, 1000)).toEqual(expected);
  });

  it('gives the live rows for a simulated log of every kind, cut into small batches', async () => {
    await clear(live, staged);
    const events = [
      ...withClientActions(
        simulateEvents({ seed: 21, events: 1500, accounts: 2, conversationsPerAccount: 6, runId: 'stage' }),
        { seed: 22, rate: 0.25 },
      ),
    ];
    const all = sequence(events);
    const batches: SequencedEvent[][] = [];
    for (let i = 0; i < all.length; i += 120) batches.push(all.slice(i, i + 120));

    const expected = await applied(live, batches);
    expect(nonEmpty(expected)).toMatchObject({ blocked_users: expect.any(Number) });
    expect(await stagedAhead(staged, batches, 5)).toEqual(expected);
  });
});
