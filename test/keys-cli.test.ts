import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStore } from '../src/auth/key-store.js';
import { silentLogger } from '../src/logger.js';
import type { Projector } from '../src/projections/projector.js';
import {
  createTestDatabase,
  createTestLog,
  natsUrl,
  startTestProjector,
  type TestLog,
} from './support/env.js';
import { spawnCli } from './support/process.js';

// `im-hub keys` as a user runs it: a child process against the test's stream and database,
// with a projector running (as the service would) or not.

let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projector: Projector;
const KEY = /^imhub_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const env = () => ({
  DATABASE_URL: db.url,
  NATS_URL: natsUrl(),
  STREAM_NAME: log.stream,
  SUBJECT_PREFIX: log.subjects.prefix,
});
async function keys(...args: string[]) {
  const run = spawnCli(['keys', ...args], env());
  return { code: await run.exited, stdout: run.stdout(), stderr: run.stderr(), output: run.output() };
}

/** Every stored body of the stream, as text. */
async function streamText(): Promise<string> {
  const last = (await log.jsm.streams.info(log.stream)).state.last_seq;
  const bodies: string[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const m = await log.jsm.streams.getMessage(log.stream, { seq });
    bodies.push(new TextDecoder().decode(m!.data));
  }
  return bodies.join('\n');
}

/** Every row of every table of the database, as text. */
async function databaseText(): Promise<string> {
  const tables = await db.sql<{ schema: string; table: string }[]>`
    select table_schema as schema, table_name as table from information_schema.tables
    where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'`;
  const out: string[] = [];
  for (const { schema, table } of tables) {
    const rows = await db.sql.unsafe(`select t::text as row from "${schema}"."${table}" t`);
    out.push(...rows.map((r) => r.row as string));
  }
  return out.join('\n');
}

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('keys_cli'), createTestDatabase('keys_cli')]);
  projector = startTestProjector(log, db);
});

afterAll(async () => {
  await projector?.stop();
  await log?.close();
  await db?.drop();
});

describe('im-hub keys', () => {
  it('creates a key that works at once, shows it once and stores only its hash; lists and revokes it', async () => {
    const created = await keys(
      'create',
      '--role',
      'operator',
      '--accounts',
      'dy_10001,dy_10002',
      '--name',
      '客服一组',
    );
    expect(created.code, created.output).toBe(0);
    // standard output is the key alone, so that KEY=$(im-hub keys create …) works
    const key = created.stdout.trim();
    expect(created.stdout).toBe(`${key}\n`);
    const [, keyId, secret] = KEY.exec(key)!;
    expect(created.stderr).toMatch(/shown this once/);

    const store = createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() });
    try {
      expect(await store.authenticate(key)).toEqual({
        keyId,
        name: '客服一组',
        role: 'operator',
        accounts: ['dy_10001', 'dy_10002'],
      });

      // the plaintext is nowhere but in the answer: not on the log, not in the database
      const [logText, dbText] = await Promise.all([streamText(), databaseText()]);
      expect(logText).toContain(keyId);
      expect(dbText).toContain(keyId);
      for (const text of [logText, dbText, (await keys('list')).output]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(key);
      }

      const listed = await keys('list');
      expect(listed.code).toBe(0);
      const row = listed.stdout.split('\n').find((l) => l.startsWith(keyId!))!;
      expect(row.split(/\s{2,}/)).toEqual([
        keyId,
        '客服一组',
        'operator',
        'dy_10001,dy_10002',
        expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        '-',
      ]);
      const json = await keys('list', '--json');
      const entry = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((r) => r.key_id === keyId);
      expect(entry).toMatchObject({
        name: '客服一组',
        role: 'operator',
        revoked_at: null,
        created_by: expect.stringMatching(/^cli/),
      });
      expect(Object.keys(entry)).not.toContain('secret_sha256');

      const revoked = await keys('revoke', keyId!);
      expect([revoked.code, revoked.stdout]).toEqual([0, `revoked key ${keyId}\n`]);
      // the command waited for the projector: the key is refused now, by a store that never saw it
      const fresh = createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() });
      expect(await fresh.authenticate(key)).toBeNull();
      await fresh.close();
      const again = await keys('revoke', key); // the whole key names it too
      expect([again.code, again.stdout]).toEqual([0, `key ${keyId} was revoked already\n`]);
      const after = await keys('list');
      expect(after.stdout.split('\n').find((l) => l.startsWith(keyId!))).toMatch(
        /\d{4}-\d\d-\d\dT\S+\s+\d{4}-\d\d-\d\dT\S+$/,
      );
    } finally {
      await store.close();
    }
  });

  it('creates a key for all accounts', async () => {
    const created = await keys('create', '--role', 'reader', '--accounts', 'all', '--name', 'dashboard');
    expect(created.code, created.output).toBe(0);
    const store = createKeyStore({ db: db.db, sql: db.sql, log: silentLogger() });
    expect(await store.authenticate(created.stdout.trim())).toMatchObject({ role: 'reader', accounts: null });
    await store.close();
  });

  it('exits 2 on bad input, naming what to fix', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['create', '--role', 'boss', '--accounts', 'all', '--name', 'x'],
        /argument 'boss' is invalid.*reader, operator, auditor, admin/,
      ],
      [['create', '--accounts', 'all', '--name', 'x'], /required option '--role <role>' not specified/],
      [['create', '--role', 'reader', '--name', 'x'], /required option '--accounts/],
      [
        ['create', '--role', 'reader', '--accounts', 'a,,b', '--name', 'x'],
        /give all, or monitored account ids/,
      ],
      [['create', '--role', 'reader', '--accounts', 'all', '--name', ''], /1-128 characters/],
      [
        ['create', '--role', 'reader', '--accounts', 'all', '--name', 'x', '--wait', 'soon'],
        /--wait must be a whole number/,
      ],
      [['revoke', 'not-a-key'], /give the key id/],
      [['revoke', 'ffffffffffffffff'], /no key ffffffffffffffff: see im-hub keys list/],
      [['bogus'], /unknown command 'bogus'/],
    ];
    for (const [args, message] of cases) {
      const run = await keys(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.output, args.join(' ')).toMatch(message);
    }
  });

  it('has --help for each subcommand, with its exit codes', async () => {
    for (const sub of ['create', 'list', 'revoke']) {
      const run = await keys(sub, '--help');
      expect(run.code, sub).toBe(0);
      expect(run.output, sub).toMatch(new RegExp(`^Usage: im-hub keys ${sub}`, 'm'));
      expect(run.output, sub).toMatch(
        /^Exit codes:\n {2}0 {2}done\n {2}1 {2}failed at run time.*\n {2}2 {2}bad input/m,
      );
    }
    const group = await keys('--help');
    expect(group.code).toBe(0);
    for (const sub of ['create', 'list', 'revoke'])
      expect(group.output).toMatch(new RegExp(`^  ${sub}\\b`, 'm'));
  });

  it('without a projector: exits 1 saying the service must run, and still shows the key', async () => {
    const idle = await createTestLog('keys_idle');
    try {
      const run = spawnCli(
        ['keys', 'create', '--role', 'reader', '--accounts', 'all', '--name', 'early', '--wait', '300'],
        {
          ...env(),
          STREAM_NAME: idle.stream,
          SUBJECT_PREFIX: idle.subjects.prefix,
        },
      );
      expect(await run.exited).toBe(1);
      expect(run.stdout()).toMatch(/^imhub_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
      expect(run.stderr()).toMatch(
        /no projector applied it within 300 ms\. Is the service running \(im-hub serve\)/,
      );
      expect((await idle.jsm.streams.info(idle.stream)).state.messages).toBe(1);
    } finally {
      await idle.close();
    }
  });
});
