import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog, createPartitionedAudit } from '../src/audit/audit-log.js';
import { createActions } from '../src/commands/actions.js';
import type { Db } from '../src/db/client.js';
import type { HubEvent } from '../src/events/index.js';
import { partitionIndex } from '../src/log/partitions.js';
import { ensurePartitionStreams } from '../src/log/stream.js';
import { silentLogger } from '../src/logger.js';
import { createProjector, type Projector } from '../src/projections/projector.js';
import { createProjectionWaiter, type WaitForSeq } from '../src/projections/wait.js';
import { createSync, type Sync } from '../src/sync/index.js';
import { simulateEvents } from '../src/worker/simulate.js';
import {
  checkpointOf,
  createPartitionedTestLog,
  createTestDatabase,
  createTestLog,
  type PartitionedTestLog,
  projectedTo,
  requestJson,
  startTestProjector,
  type TestLog,
  testApp,
} from './support/env.js';

// The same events on a log of four partitions and on a log of one: every account lives in one
// partition, each partition is projected on its own (four projectors at once, writing the users
// and conversations they share), sync works per account, and the read models equal the
// one-partition projection in everything but the sequences, which belong to different streams.

const P = 4;
const ACCOUNTS = 12;
const FAN = 'u_100000'; // a fan of every account in the simulation: a user all partitions write

let log: PartitionedTestLog;
let single: TestLog;
let db: Db & { drop(): Promise<void> };
let reference: Db & { drop(): Promise<void> };
let projectors: Projector[];
let sync: Sync;
let events: HubEvent[];
const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `dy_${10001 + i}`);

/** Profile observations of one fan from accounts of different partitions, newest first in the log. */
function renames(): HubEvent[] {
  const t = Date.UTC(2025, 9, 23);
  const seen = (account: string, name: string, at: number): HubEvent => ({
    event_id: `rename-${account}-${at}`,
    type: 'UserProfileObserved',
    schema_version: 1,
    account_id: account,
    occurred_at: at,
    captured_at: at,
    payload: { user: { platform_user_id: FAN, name }, observed_at: at },
  });
  const [a, b, c] = [accounts[0]!, accounts[1]!, accounts[2]!];
  return [seen(a, '最新的名字', t + 3000), seen(b, '旧名字', t + 1000), seen(c, '中间的名字', t + 2000)];
}

beforeAll(async () => {
  [log, single, db, reference] = await Promise.all([
    createPartitionedTestLog('part', P),
    createTestLog('part_one'),
    createTestDatabase('part_four'),
    createTestDatabase('part_one'),
  ]);
  events = [...simulateEvents({ seed: 21, events: 2_400, accounts: ACCOUNTS, runId: 'part' }), ...renames()];
  // the four projectors run while the events arrive, in small batches: many concurrent
  // transactions on the shared users and conversations
  projectors = log.partitions.list.map((p) =>
    createProjector(
      { sql: db.sql, js: log.js, stream: p.stream, subjects: p.subjects, log: silentLogger() },
      {
        name: p.projector,
        batchSize: 40,
        partition: { owns: (a) => log.partitions.of(a).index === p.index },
      },
    ),
  );
  for (const p of projectors) p.start();
  await log.publisher.publishMany(events);
  await single.publisher.publishMany(events);
  const ref = startTestProjector(single, reference);
  const singleEnd = (await single.jsm.streams.info(single.stream)).state.last_seq;

  await Promise.all([
    projectedTo(reference, ref.name, singleEnd),
    ...log.partitions.list.map(async (p) =>
      projectedTo(db, p.projector, (await log.jsm.streams.info(p.stream)).state.last_seq),
    ),
  ]);
  await ref.stop();
  sync = await createSync({
    db: db.db,
    sql: db.sql,
    js: log.js,
    jsm: log.jsm,
    partitions: log.partitions,
    log: silentLogger(),
  });
}, 180_000);

afterAll(async () => {
  await sync?.close();
  await Promise.all((projectors ?? []).map((p) => p.stop()));
  await Promise.all([log?.close(), single?.close(), db?.drop(), reference?.drop()]);
});

/** Accounts whose events each partition's stream holds, from its subjects. */
async function accountsByPartition(): Promise<Map<string, number[]>> {
  const where = new Map<string, number[]>();
  for (const p of log.partitions.list) {
    const info = await log.jsm.streams.info(p.stream, { subjects_filter: '>' });
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const account = p.subjects.parse(subject)?.accountId;
      expect(account, `subject ${subject} of ${p.stream}`).toBeDefined();
      const list = where.get(account!) ?? [];
      if (!list.includes(p.index)) list.push(p.index);
      where.set(account!, list);
    }
  }
  return where;
}

/**
 * Checksums of what two projections of the same events must share: every column but the stream
 * sequences (`*_seq`, `version`), and a user's accounts as a set (their order is the order of
 * first contact, which two partitions' projectors may see either way).
 */
async function comparable(sql: Db['sql']) {
  const tables = {
    messages: 'id',
    message_edits: 'message_id, edited_at, content',
    conversations: 'id',
    users: 'platform_user_id',
    accounts: 'account_id',
    blocked_users: 'account_id, platform_user_id',
    replies: 'reply_id',
  };
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const [table, key] of Object.entries(tables)) {
    const seqColumns = await sql<{ column_name: string }[]>`
      select column_name from information_schema.columns
      where table_schema = 'public' and table_name = ${table}
        and (column_name like '%seq' or column_name = 'version' or column_name = 'accounts')`;
    const [row] = await sql.unsafe<{ rows: number; md5: string }[]>(
      `select count(*)::int as rows, md5(coalesce(string_agg(j, E'\\n' order by k, j), '')) as md5 from (
         select (to_jsonb(t) - $1::text[])::text
           ${table === 'users' ? `|| (select coalesce(string_agg(a, ',' order by a), '') from unnest(t.accounts) a)` : ''} as j,
           row(${key})::text as k
         from "${table}" t) s`,
      [seqColumns.map((c) => c.column_name)],
    );
    out[table] = row!;
  }
  return out;
}

describe('a log of four partitions', () => {
  it("keeps each account's events in one partition's stream: the one its id hashes to", async () => {
    const where = await accountsByPartition();
    expect([...where.keys()].sort()).toEqual(accounts);
    for (const [account, parts] of where) {
      expect(parts, account).toEqual([partitionIndex(account, P)]);
      expect(log.partitions.of(account).index).toBe(parts[0]);
    }
    // the hash is part of the contract: a change would move accounts away from their history
    expect(partitionIndex('dy_10001', 4)).toBe(1);
    expect(new Set([...where.values()].map((p) => p[0])).size).toBeGreaterThan(2);
    let stored = 0;
    for (const p of log.partitions.list) stored += (await log.jsm.streams.info(p.stream)).state.messages;
    expect(stored).toBe(events.length);
  });

  it("projects every partition to its stream's end, into read models equal to one partition's", async () => {
    for (const p of log.partitions.list) {
      const end = (await log.jsm.streams.info(p.stream)).state.last_seq;
      expect(await checkpointOf(db, p.projector), p.stream).toBe(end);
    }
    const [four, one] = await Promise.all([comparable(db.sql), comparable(reference.sql)]);
    expect(four.messages!.rows).toBeGreaterThan(1000);
    expect(four).toEqual(one);
    const [rejected] = await db.sql<{ n: number }[]>`select count(*)::int as n from rejected_events`;
    expect(rejected!.n).toBe(0);
    // the newest observation wins whichever partition saw it, and reaches every conversation
    const [fan] = await db.sql<{ name: string; accounts: string[] }[]>`
      select name, accounts from users where platform_user_id = ${FAN}`;
    expect(fan!.name).toBe('最新的名字');
    const names = await db.sql<{ friend_name: string; account_id: string }[]>`
      select distinct friend_name, account_id from conversations where friend_id = ${FAN}`;
    expect(new Set(names.map((n) => partitionIndex(n.account_id, P))).size).toBeGreaterThan(1);
    expect(new Set(names.map((n) => n.friend_name))).toEqual(new Set(['最新的名字']));
  });

  it("syncs each account from its own partition's sequences, page by page, to the account's state", async () => {
    const app = testApp(db, { sync });
    for (const account of accounts) {
      const p = log.partitions.of(account);
      const checkpoint = await checkpointOf(db, p.projector);
      const local = new Map<string, string | null>();
      let cursor = 0;
      for (let pages = 0; ; pages++) {
        expect(pages, `pages of ${account}`).toBeLessThan(1000);
        const r = await requestJson(
          app,
          'GET',
          `/api/v1/messages/sync?account_id=${account}&cursor=${cursor}&limit=37`,
        );
        expect(r.status).toBe(200);
        for (const m of r.body.messages) local.set(m.id, m.content);
        for (const id of r.body.deleted_message_ids) local.delete(id);
        expect(r.body.next_cursor).toBeGreaterThanOrEqual(cursor);
        expect(r.body.next_cursor).toBeLessThanOrEqual(checkpoint);
        cursor = r.body.next_cursor;
        if (!r.body.has_more) break;
      }
      const rows = await db.sql<{ id: string; content: string | null }[]>`
        select id, content from messages
        where account_id = ${account} and capture_seq is not null and not recalled`;
      expect(local, account).toEqual(new Map(rows.map((r) => [r.id, r.content])));
    }
  });

  it("appends an action to its account's partition; min_seq and the audit history name the partition", async () => {
    const waiters = projectors.map((projector) => createProjectionWaiter({ sql: db.sql, projector }));
    const waitFor: WaitForSeq = (seq, timeoutMs, accountId) =>
      waiters[log.partitions.of(accountId!).index]!(seq, timeoutMs);
    const actions = createActions({ publisher: log.publisher, waitFor });
    const audit = createPartitionedAudit(
      log.partitions.list.map((p) =>
        createAuditLog({
          sql: db.sql,
          js: log.js,
          jsm: log.jsm,
          stream: p.stream,
          subjects: p.subjects,
          checkpointEvery: 1000,
        }),
      ),
      log.partitions,
      db.sql,
    );
    const app = testApp(db, { actions, waitFor, audit, partitioned: true });
    const account = accounts[5]!;
    const p = log.partitions.of(account);
    const [conv] = await db.sql<{ id: string }[]>`
      select id from conversations where account_id = ${account} order by id limit 1`;
    const pinned = await requestJson(app, 'POST', `/api/v1/conversations/${conv!.id}/pin`);
    expect(pinned.status).toBe(200);
    const stored = await log.jsm.streams.getMessage(p.stream, { seq: pinned.body.seq });
    expect(stored!.subject).toBe(p.subjects.event(account, 'ConversationPinned'));

    const noAccount = await requestJson(
      app,
      'GET',
      `/api/v1/conversations/${conv!.id}?min_seq=${pinned.body.seq}`,
    );
    expect(noAccount.status).toBe(400);
    expect(noAccount.body.error.field).toBe('account_id');
    const read = await requestJson(
      app,
      'GET',
      `/api/v1/conversations/${conv!.id}?min_seq=${pinned.body.seq}&account_id=${account}`,
    );
    expect(read.status).toBe(200);
    expect(read.body.is_pinned).toBe(true);

    const history = await requestJson(app, 'GET', `/api/v1/audit/events?account_id=${account}&limit=1000`);
    expect(history.status).toBe(200);
    expect(history.body.events.length).toBeGreaterThan(0);
    for (const e of history.body.events) expect(e.event.account_id).toBe(account);
    expect(history.body.to_seq).toBe((await log.jsm.streams.info(p.stream)).state.last_seq);
    const unnamed = await requestJson(app, 'GET', '/api/v1/audit/events');
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.error.field).toBe('partition');
    const wrong = await requestJson(
      app,
      'GET',
      `/api/v1/audit/events?account_id=${account}&partition=${(p.index + 1) % P}`,
    );
    expect(wrong.status).toBe(400);
    const chain = await requestJson(app, 'GET', `/api/v1/audit/chain?partition=${p.index}`);
    expect(chain.status).toBe(200);
    expect(chain.body.head.seq).toBe(await checkpointOf(db, p.projector));
  });

  it('refuses to open the log with another partition count: accounts never move', async () => {
    const other = (count: number) => ({
      ...log.partitions,
      count,
      list: log.partitions.list.slice(0, count),
    });
    await expect(
      ensurePartitionStreams(log.jsm, other(2), { duplicateWindowMs: 60_000, replicas: 1 }),
    ).rejects.toThrow(/created with another PARTITIONS than 2/);
    await expect(
      ensurePartitionStreams(log.jsm, other(1), { duplicateWindowMs: 60_000, replicas: 1 }),
    ).rejects.toThrow(/created with another PARTITIONS than 1/);
  });
});
