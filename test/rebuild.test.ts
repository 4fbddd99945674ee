import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStore } from '../src/auth/key-store.js';
import { createKeyCommands } from '../src/commands/api-keys.js';
import { checksumReadModels } from '../src/db/checksum.js';
import { createDb } from '../src/db/client.js';
import type { HubEvent } from '../src/events/index.js';
import { silentLogger } from '../src/logger.js';
import type { Projector } from '../src/projections/projector.js';
import { LOAD_INDEXES } from '../src/projections/read-models.projection.js';
import { pollCheckpoint } from '../src/projections/wait.js';
import { ProjectorLockError } from '../src/replay/handover.js';
import { rebuildReadModels } from '../src/replay/rebuild.js';
import { BULK_REPLAY_SETTINGS } from '../src/replay/replay.js';
import {
  createScratchSchema,
  dropAbandonedSchemas,
  finishScratchSchema,
  structureDifferences,
} from '../src/replay/schema.js';
import { swapIntoPublic } from '../src/replay/swap.js';
import { verifyReadModels } from '../src/replay/verify.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { withClientActions } from '../src/worker/simulate-actions.js';
import {
  createLoggedKey,
  createTestDatabase,
  createTestLog,
  natsUrl,
  projectedTo,
  requestJson,
  startTestProjector,
  type TestLog,
  testApp,
} from './support/env.js';
import { spawnCli } from './support/process.js';

// The log is the truth and the read models are disposable: a rebuild must reproduce exactly
// what live projection made (whatever the batching), replace read models altered by hand, and
// never interrupt queries; verify must tell the two apart.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
let lastSeq = 0;
const A = 'dy_10001';

const deps = () => ({
  sql: db.sql,
  databaseUrl: db.url,
  natsUrl: natsUrl(),
  js: log.js,
  jsm: log.jsm,
  stream: log.stream,
  subjects: log.subjects,
  projector: `read-models:${log.stream}`,
});

/**
 * An edit and a recall that reach the log before their message, then the message; and an edit
 * (`e3`) whose message, like a capture again of `e1`, comes only at the end of the log, batches
 * later (`late`).
 */
function earlyEvents(late = false): HubEvent[] {
  const at = Date.UTC(2025, 9, 22, 7, 0, 0);
  const base = (n: number) => ({
    event_id: `early-${n}`,
    schema_version: 1 as const,
    account_id: A,
    occurred_at: at + n * 1000,
    captured_at: at + n * 1000,
  });
  const capture = (n: number, pmid: string): HubEvent => ({
    ...base(n),
    schema_version: 2,
    type: 'MessageCaptured',
    payload: {
      platform_message_id: pmid,
      channel: 'direct',
      conversation_id: 'dm_early',
      direction: 'inbound',
      sender: { platform_user_id: 'u_early', name: '早到' },
      content: `原文${pmid}`,
      message_type: 'text',
      created_at: at,
      captured_by: null,
    },
  });
  const edit = (n: number, pmid: string): HubEvent => ({
    ...base(n),
    type: 'MessageEdited',
    payload: {
      platform_message_id: pmid,
      conversation_id: 'dm_early',
      new_content: '先改后到',
      edited_at: at + 500,
      edited_by: 'u_early',
    },
  });
  if (late) return [capture(6, 'e3'), capture(7, 'e1')];
  return [
    edit(5, 'e3'),
    edit(1, 'e1'),
    {
      ...base(2),
      type: 'MessageRecalled',
      payload: {
        platform_message_id: 'e2',
        conversation_id: 'dm_early',
        recalled_at: at + 600,
        recalled_by: 'u_early',
      },
    },
    capture(3, 'e1'),
    capture(4, 'e2'),
  ];
}

async function publishAll(events: HubEvent[]) {
  const results = await log.publisher.publishMany(events);
  return Math.max(...results.map((r) => r.seq));
}

const schemasLeft = async () =>
  (
    await db.sql<{ name: string }[]>`select nspname as name from pg_namespace where nspname like 'imhub_%'`
  ).map((r) => r.name);

/** The read models' columns as queries are planned with them: type, collation, statistics target. */
const columns = async () =>
  (
    await db.sql<{ def: string }[]>`
      select c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
        || ' ' || a.attcollation::regcollation::text || ' ' || a.attstattarget as def
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
      order by c.relname, a.attnum`
  ).map((r) => r.def);

const indexes = async () =>
  (
    await db.sql<{ def: string }[]>`
      select indexdef as def from pg_indexes where schemaname = 'public' order by indexname`
  ).map((r) => r.def);

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('rebuild'), createTestDatabase('rebuild')]);
  const events = [
    ...earlyEvents(),
    ...withClientActions(
      simulateEvents({ seed: 11, events: 4000, accounts: 3, conversationsPerAccount: 12, runId: 'rb' }),
      { seed: 12, rate: 0.2 },
    ),
    ...earlyEvents(true),
  ];
  await publishAll(events);
  const bad = await log.js.publish(
    log.subjects.event(A, 'MessageCaptured'),
    new TextEncoder().encode('{"oops'),
  );
  lastSeq = bad.seq;
  // small batches live, big ones in the rebuild: the results must not depend on the cut
  projector = startTestProjector(log, db, { batchSize: 97, lockRetryMs: 200 });
  await projectedTo(db, projector.name, lastSeq);
});

afterAll(async () => {
  // each step even if one before it fails: a database left behind stays on the shared server
  await projector?.stop().catch(() => {});
  await log?.close().catch(() => {});
  await db?.drop();
});

describe('rebuild', () => {
  it('reproduces the live projection of every event type byte for byte, and the projector goes on', async () => {
    const types = await db.sql<{ n: number }[]>`select count(*)::int as n from action_outcomes`;
    expect(types[0]!.n).toBeGreaterThan(50);
    const before = await checksumReadModels(db.sql);
    const indexesBefore = await indexes();
    const columnsBefore = await columns();
    // the message search keys' statistics target, set by a migration (more element statistics)
    expect(columnsBefore).toContain('messages.search_keys text[] "C" 1000');
    expect(before.find((t) => t.table === 'rejected_events')!.rows).toBe(1);
    expect(before.find((t) => t.table === 'blocked_users')!.rows).toBeGreaterThan(0);

    // rows held in memory past the limit are written early, and batches smaller than the log
    // read back messages of earlier ones (edits, reads, recalls): the same result
    const report = await rebuildReadModels(deps(), { batchSize: 700, heldRows: 7 });

    expect(report.seq).toBe(lastSeq);
    expect(report.liveSeqBefore).toBe(lastSeq);
    expect(report.rows.every((r) => r.before === r.after)).toBe(true);
    expect(await checksumReadModels(db.sql)).toEqual(before);
    expect(await indexes()).toEqual(indexesBefore);
    expect(await columns()).toEqual(columnsBefore);
    expect(await schemasLeft()).toEqual([]);

    // the live projector took its lock back and writes the new tables
    const seq = await publishAll([
      ...simulateEvents({ seed: 13, events: 20, accounts: 1, conversationsPerAccount: 2, runId: 'after-1' }),
    ]);
    expect(await projector.waitFor(seq, 10_000)).toBe(true);
    expect(projector.status().state).toBe('projecting');
    lastSeq = seq;
  });

  it('verify finds rows altered by hand, and passes once rebuild has replaced them', async () => {
    await projectedTo(db, projector.name, lastSeq);
    expect((await verifyReadModels(deps())).same).toBe(true);

    const [conv] = await db.sql<{ id: string; unread_count: number }[]>`
      select id, unread_count from conversations where account_id = ${A} order by id limit 1`;
    const [msg] = await db.sql<{ id: string }[]>`select id from messages order by id desc limit 1`;
    await db.sql`update conversations set unread_count = unread_count + 7 where id = ${conv!.id}`;
    await db.sql`delete from messages where id = ${msg!.id}`;
    await db.sql`insert into blocked_users values (${A}, 'u_nobody', 1, 'hand', 1)`;

    const found = await verifyReadModels(deps());
    expect(found.same).toBe(false);
    const differing = Object.fromEntries(found.tables.filter((t) => !t.same).map((t) => [t.table, t]));
    expect(Object.keys(differing).sort()).toEqual(['blocked_users', 'conversations', 'messages']);
    expect(differing.conversations!.examples).toEqual([
      {
        key: { id: conv!.id },
        kind: 'changed',
        columns: [{ column: 'unread_count', live: conv!.unread_count + 7, replayed: conv!.unread_count }],
      },
    ]);
    expect(differing.messages!.examples).toEqual([
      { key: { id: msg!.id }, kind: 'only_replayed', columns: [] },
    ]);
    expect(differing.blocked_users!.examples[0]).toMatchObject({
      key: { account_id: A, platform_user_id: 'u_nobody' },
      kind: 'only_live',
    });
    expect(await schemasLeft()).toEqual([]);

    const report = await rebuildReadModels(deps());
    expect(report.rows.find((r) => r.table === 'messages')).toMatchObject({ after: expect.any(Number) });
    expect(report.rows.find((r) => r.table === 'messages')!.after).toBe(
      report.rows.find((r) => r.table === 'messages')!.before + 1,
    );
    expect((await verifyReadModels(deps())).same).toBe(true);
    const [fixed] = await db.sql<{ unread_count: number }[]>`
      select unread_count from conversations where id = ${conv!.id}`;
    expect(fixed!.unread_count).toBe(conv!.unread_count);
  });

  it('keeps API keys: they are events on the log like the rest', async () => {
    const kept = await createLoggedKey(log, db, { role: 'reader', accounts: [A], name: 'rb-kept' });
    const gone = await createLoggedKey(log, db, { role: 'admin', name: 'rb-revoked' });
    const revoked = await createKeyCommands({
      publisher: log.publisher,
      waitFor: pollCheckpoint(db.sql, projector.name),
      db: db.db,
    }).revoke(gone.keyId, 'cli:test', 30_000);
    expect(revoked?.projected).toBe(true);
    const rows = () => db.sql`select * from api_keys order by key_id`;
    const before = await rows();
    await rebuildReadModels(deps());
    expect(await rows()).toEqual(before);
    const store = createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() });
    try {
      expect(await store.authenticate(kept.key)).toMatchObject({
        name: 'rb-kept',
        role: 'reader',
        accounts: [A],
      });
      expect(await store.authenticate(gone.key)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('keeps answering queries, with consistent answers, while it rebuilds and swaps', async () => {
    // the admin key the requests send is on the log: the rebuilt tables have it too
    const app = testApp(db, {}, { log });
    const [conv] = await db.sql<{ id: string; unread_count: number }[]>`
      select id, unread_count from conversations where account_id = ${A} and unread_count > 0 order by id limit 1`;
    // a wrong value only the old tables hold: each answer comes from the old or the new tables
    await db.sql`update conversations set unread_count = 999 where id = ${conv!.id}`;

    // a worker keeps capturing meanwhile: the rebuild has a tail to catch up at the switch
    let publishing = true;
    const publisher = (async () => {
      let i = 0;
      while (publishing) {
        lastSeq = await publishAll([
          ...simulateEvents({
            seed: 100 + i,
            events: 10,
            accounts: 2,
            conversationsPerAccount: 5,
            runId: `live-${i}`,
          }),
        ]);
        i++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const failures: string[] = [];
    const seen = { old: 0, fresh: 0, after: 0 };
    let swapped = false;
    let hammering = true;
    const hammer = async (lane: number) => {
      let lastTotal = 0;
      while (hammering) {
        const list = await requestJson(app, 'GET', `/api/v1/conversations?account_id=${A}&limit=200`);
        if (list.status !== 200) failures.push(`list ${list.status} ${JSON.stringify(list.body)}`);
        else {
          if (list.body.total < lastTotal)
            failures.push(`lane ${lane}: total went from ${lastTotal} to ${list.body.total}`);
          lastTotal = list.body.total;
        }
        const one = await requestJson(app, 'GET', `/api/v1/conversations/${conv!.id}`);
        if (one.status !== 200) failures.push(`conversation ${one.status} ${JSON.stringify(one.body)}`);
        else if (one.body.unread_count === 999) {
          seen.old++;
          if (swapped) failures.push('the old tables answered after the swap');
        } else if (one.body.unread_count === conv!.unread_count) {
          seen.fresh++;
          if (swapped) seen.after++;
        } else failures.push(`unread_count ${one.body.unread_count}`);
        const messages = await requestJson(
          app,
          'GET',
          `/api/v1/messages?conversation_id=${conv!.id}&limit=20`,
        );
        if (messages.status !== 200) failures.push(`messages ${messages.status}`);
        const unread = await requestJson(app, 'GET', `/api/v1/unread-summary?account_id=${A}`);
        if (unread.status !== 200) failures.push(`unread-summary ${unread.status}`);
      }
    };
    const lanes = [0, 1, 2].map(hammer);
    const report = await rebuildReadModels(deps(), { batchSize: 2000 });
    swapped = true;
    await new Promise((r) => setTimeout(r, 300));
    hammering = false;
    publishing = false;
    await Promise.all([...lanes, publisher]);

    expect(failures).toEqual([]);
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.after).toBeGreaterThan(0);
    expect(report.seconds.swap).toBeLessThan(5);
    await projectedTo(db, projector.name, lastSeq);
    expect((await verifyReadModels(deps())).same).toBe(true);
  });

  it('verify compares one instant of the live read models while the projector goes on', async () => {
    let publishing = true;
    let published = 0;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        lastSeq = await publishAll([
          ...simulateEvents({
            seed: 300 + i,
            events: 20,
            accounts: 2,
            conversationsPerAccount: 5,
            runId: `v-${i}`,
          }),
        ]);
        published++;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const report = await verifyReadModels(deps());
    publishing = false;
    await publisher;
    expect(published).toBeGreaterThan(1);
    expect(report.same).toBe(true);
    expect(report.seq).toBeLessThan(lastSeq);
  });

  it('refuses, changing nothing, when the projector lock is not handed over', async () => {
    await projectedTo(db, projector.name, lastSeq);
    await projector.stop();
    const before = await checksumReadModels(db.sql);
    // a process that holds the lock and does not listen (an older version, say)
    const holder = await db.sql.reserve();
    await holder`select pg_advisory_lock(hashtextextended(${`read-models:${log.stream}`}, 0))`;
    const [{ pid }] = (await holder`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
    try {
      const error = await rebuildReadModels(deps(), { handoverTimeoutMs: 1500 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProjectorLockError);
      expect((error as Error).message).toContain(`process ${pid}`);
      expect((error as Error).message).toContain('nothing was changed');
    } finally {
      await holder`select pg_advisory_unlock_all()`;
      holder.release();
    }
    expect(await checksumReadModels(db.sql)).toEqual(before);
    expect(await schemasLeft()).toEqual([]);
    projector = startTestProjector(log, db, { batchSize: 97, lockRetryMs: 200 });
  });

  it('gives up the swap, naming who holds the tables, when they stay in use', async () => {
    const scratch = await createScratchSchema(db.sql, 'rebuild', { loadIndexes: [], unlogged: true });
    const reader = await db.sql.reserve();
    try {
      await reader`begin`;
      await reader`select count(*) from messages`;
      const [{ pid }] = (await reader`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
      const error = await swapIntoPublic(db.sql, {
        schema: scratch.name,
        projector: `read-models:${log.stream}`,
        seq: lastSeq,
        lockTimeoutMs: 50,
        attempts: 2,
      }).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(`pid ${pid}`);
      expect((error as Error).message).toContain('nothing was changed');
    } finally {
      await reader`rollback`;
      reader.release();
      await scratch.drop();
    }
    expect((await verifyReadModels(deps())).same).toBe(true);
  });

  it('drops scratch schemas left by an interrupted run, never one in use', async () => {
    await db.sql.unsafe(
      'create schema imhub_rebuild_dead_1; create table imhub_rebuild_dead_1.messages (id text)',
    );
    const inUse = await createScratchSchema(db.sql, 'verify', { loadIndexes: [], unlogged: true });
    try {
      expect(await dropAbandonedSchemas(db.sql)).toEqual(['imhub_rebuild_dead_1']);
      expect(await schemasLeft()).toEqual([inUse.name]);
    } finally {
      await inUse.drop();
    }
    expect(await schemasLeft()).toEqual([]);
  });

  it('refuses a copy whose columns differ from the live ones in collation or statistics target', async () => {
    const copy = await createScratchSchema(db.sql, 'verify', { loadIndexes: [], unlogged: true });
    const columnDifferences = async () =>
      (await structureDifferences(db.sql, copy.name)).filter((d) => d.includes(': column '));
    try {
      // the copy has each column's statistics target, which `create table (like …)` leaves out
      expect(await columnDifferences()).toEqual([]);
      await db.sql.unsafe(`
        alter table "${copy.name}".messages alter column search_keys set statistics 100;
        alter table "${copy.name}".messages alter column content type text collate "C"`);
      const found = await columnDifferences();
      expect(found).toHaveLength(4);
      expect(found).toContainEqual(
        expect.stringMatching(
          /^only live messages: column \d+ search_keys text\[\] collate "C" statistics 1000$/,
        ),
      );
      expect(found).toContainEqual(
        expect.stringMatching(
          /^only rebuilt messages: column \d+ search_keys text\[\] collate "C" statistics 100$/,
        ),
      );
      expect(found).toContainEqual(
        expect.stringMatching(/^only live messages: column \d+ content text collate "default"$/),
      );
      expect(found).toContainEqual(
        expect.stringMatching(/^only rebuilt messages: column \d+ content text collate "C"$/),
      );
    } finally {
      await copy.drop();
    }
  });

  it('analyzes each column at its own target, and a table with an expression index whole', async () => {
    const copy = await createScratchSchema(db.sql, 'verify', { loadIndexes: [], unlogged: true });
    try {
      await db.sql.unsafe(`
        insert into "${copy.name}".messages select * from public.messages;
        insert into "${copy.name}".conversations select * from public.conversations;
        alter table "${copy.name}".conversations alter column account_id set statistics 500;
        create index conversations_lower_name on "${copy.name}".conversations (lower(friend_name))`);
      await finishScratchSchema(db.sql, copy);
      const stats = await db.sql<{ table: string; column: string }[]>`
        select tablename as table, attname as column from pg_stats where schemaname = ${copy.name}`;
      const of = (table: string) =>
        stats
          .filter((s) => s.table === table)
          .map((s) => s.column)
          .sort();
      const columnsOf = async (table: string) =>
        (
          await db.sql<{ name: string }[]>`
            select attname as name from pg_attribute
            where attrelid = ${`"${copy.name}".${table}`}::regclass and attnum > 0 and not attisdropped`
        )
          .map((c) => c.name)
          .sort();
      // messages in two statements (the keys at 1000, the rest at the default): every column
      expect(of('messages')).toEqual(await columnsOf('messages'));
      // conversations whole: it has an expression index here, which an analyze of some columns skips
      expect(of('conversations')).toEqual(await columnsOf('conversations'));
      expect(of('conversations_lower_name')).toHaveLength(1);
    } finally {
      await copy.drop();
    }
  });

  it("looks rows up by index in a replay's fresh tables, which have no statistics", async () => {
    const copy = await createScratchSchema(db.sql, 'verify', { loadIndexes: LOAD_INDEXES, unlogged: true });
    const plain = createDb(db.url, { max: 1, searchPath: copy.name });
    const replay = createDb(db.url, { max: 1, searchPath: copy.name, settings: BULK_REPLAY_SETTINGS });
    try {
      await plain.sql`
        insert into messages (id, account_id, platform_message_id, conversation_id, platform_conversation_id,
          direction, created_at, capture_seq, version)
        select 'm' || g, 'a', 'p' || g, 'c' || (g % 500), 'pc' || (g % 500), 'inbound', g, g, g
        from generate_series(1, 20000) g`;
      // the lookup of a whole-conversation mark-read, for 300 conversations
      const plan = async (q: typeof plain) =>
        (
          await q.sql.unsafe(
            `explain select * from messages where conversation_id = any($1::text[])
              and direction = 'inbound' and capture_seq is not null and read_at is null`,
            [Array.from({ length: 300 }, (_, i) => `c${i}`)],
          )
        )
          .map((r) => r['QUERY PLAN'] as string)
          .join('\n');
      // without statistics the planner reckons 300 keys match the whole table
      expect(await plan(plain)).toMatch(/Seq Scan on messages/);
      const indexed = await plan(replay);
      expect(indexed).toContain('messages_conversation_created_idx');
      expect(indexed).not.toMatch(/Seq Scan|Gather/);
      // the client's catalog query at connect, priced high with sequential scans off, is run
      // as it is, not compiled by the server's JIT first
      const [typesPlan] = await replay.sql.unsafe<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }[]>(
        `explain (analyze, format json) select b.oid, b.typarray from pg_catalog.pg_type a
          left join pg_catalog.pg_type b on b.oid = a.typelem where a.typcategory = 'A'`,
      );
      const [typesExplained] = typesPlan!['QUERY PLAN'];
      expect(typesExplained.Plan['Total Cost']).toBeGreaterThan(100_000); // what JIT would take on
      expect(typesExplained).not.toHaveProperty('JIT');
    } finally {
      await plain.close();
      await replay.close();
      await copy.drop();
    }
  });

  it('runs from the command line: verify exits 3 on a difference, rebuild fixes it, verify exits 0', async () => {
    await projectedTo(db, projector.name, lastSeq);
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: natsUrl(),
      STREAM_NAME: log.stream,
      SUBJECT_PREFIX: log.subjects.prefix,
    };
    await db.sql`update users set name = '被改过' where platform_user_id = (select min(platform_user_id) from users)`;
    const bad = spawnCli(['verify'], env);
    expect(await bad.exited).toBe(3);
    expect(bad.output()).toMatch(/users\s+DIFFERENT/);
    expect(bad.output()).toContain('name: live "被改过"');

    const rebuild = spawnCli(['rebuild'], env);
    expect(await rebuild.exited).toBe(0);
    expect(rebuild.output()).toMatch(/rebuild: read models rebuilt from \S+ up to seq/);

    const good = spawnCli(['verify'], env);
    expect(await good.exited).toBe(0);
    expect(good.output()).toContain('read models match the log');
  });
});
