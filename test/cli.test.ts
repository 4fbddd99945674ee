import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateEvents } from '../src/worker/simulate.js';
import { createTestDatabase, createTestLog, natsUrl, type TestLog } from './support/env.js';
import { spawnCli } from './support/process.js';

let log: TestLog;
beforeAll(async () => {
  log = await createTestLog('cli');
});
afterAll(async () => {
  await log?.close();
});

describe('command line', () => {
  it('publishes an NDJSON file, reporting each invalid line by number', async () => {
    const events = [...simulateEvents({ seed: 2, events: 6, editRate: 0, recallRate: 0, runId: 'cli' })];
    const lines = events.map((e) => JSON.stringify(e));
    lines.splice(2, 0, '{"event_id": oops}');
    lines.splice(
      5,
      0,
      JSON.stringify({ ...events[0], event_id: 'x2', payload: { ...events[0]!.payload, content: 42 } }),
    );
    lines.splice(6, 0, '');
    const file = join(mkdtempSync(join(tmpdir(), 'imhub-')), 'events.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const env = { NATS_URL: natsUrl(), STREAM_NAME: log.stream, SUBJECT_PREFIX: log.subjects.prefix };

    const run = spawnCli(['publish', file], env);
    expect(await run.exited).toBe(2);
    // progress is for terminals: a pipe gets no carriage returns or escape codes
    expect(run.output()).not.toContain('\r');
    expect(run.output()).not.toContain('\u001b');
    expect(run.output()).toMatch(/line 3: not JSON/);
    expect(run.output()).toMatch(/line 6: payload\.content: /);
    expect(run.output()).toMatch(/published 6, duplicates 0, invalid 2 \(of 9 lines\)/);
    expect((await log.jsm.streams.info(log.stream)).state.messages).toBe(6);

    const again = spawnCli(['publish', file], env);
    await again.exited;
    expect(again.output()).toMatch(/published 0, duplicates 6, invalid 2/);
  });

  it('exits 2 with the variable named when the configuration is bad', async () => {
    const run = spawnCli(['publish', '-'], { STREAM_NAME: 'no spaces allowed' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/STREAM_NAME="no spaces allowed": letters, digits/);
  });

  it('exits 2 before opening anything when a replay command meets a partitioned log', async () => {
    const run = spawnCli(['verify'], { PARTITIONS: '2', DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/this log has 2 partitions \(PARTITIONS\): they are not available/);
  });

  it('exits 2 with the remedy when the file to publish is not there', async () => {
    const run = spawnCli(['publish', '/no/such/events.ndjson'], { NATS_URL: 'nats://127.0.0.1:1' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(
      /no such file\. Give the path of an NDJSON file .*, or - to read standard input/,
    );
  });

  it('exits 1 with what to do when NATS is not there', async () => {
    const run = spawnCli(['simulate', '--events', '1'], { NATS_URL: 'nats://127.0.0.1:1' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:1.*Start nats-server/);
  });
});

const COMMANDS = ['serve', 'migrate', 'publish', 'simulate'];

describe('every command', () => {
  it('has --help that says what it does and what its exit codes mean, and exits 0', async () => {
    const top = spawnCli(['--help'], {});
    expect(await top.exited).toBe(0);
    for (const name of COMMANDS) expect(top.output()).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    for (const name of COMMANDS) {
      const run = spawnCli([name, '--help'], {});
      expect(await run.exited, name).toBe(0);
      expect(run.output(), name).toMatch(new RegExp(`^Usage: im-hub ${name}`, 'm'));
      expect(run.output(), name).toMatch(
        /^Exit codes:\n {2}0 {2}done\n {2}1 {2}failed at run time.*\n {2}2 {2}bad input/m,
      );
    }
  });

  it('exits 2 on bad input: no command, an unknown command or option, a bad value, a bad setting', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[], {}, /^Usage: im-hub/m],
      [['bogus'], {}, /unknown command 'bogus'/],
      [['serve', '--bogus'], {}, /unknown option '--bogus'/],
      [['serve'], { PORT: 'eighty' }, /PORT="eighty": /],
      [
        ['migrate'],
        { DATABASE_URL: 'mysql://db/x' },
        /DATABASE_URL="mysql:\/\/db\/x": must be a postgres:\/\/ URL/,
      ],
      [['publish'], {}, /missing required argument 'file'/],
      [['simulate', '--events', 'lots'], {}, /--events must be a whole number/],
      [['simulate', '--rate', '-5'], {}, /--rate must be a whole number/],
    ];
    for (const [args, env, message] of cases) {
      const run = spawnCli(args, env);
      expect(await run.exited, args.join(' ')).toBe(2);
      expect(run.output(), args.join(' ')).toMatch(message);
    }
  });

  it('exits 1 with what to do when Postgres is not there', async () => {
    const run = spawnCli(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/imhub' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(
      /cannot reach Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/imhub.*Start Postgres or set DATABASE_URL/,
    );
  });

  it('migrates, and serve exits 1 naming the remedy when its port is taken', async () => {
    const db = await createTestDatabase('cli_serve');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const env = {
        DATABASE_URL: db.url,
        NATS_URL: natsUrl(),
        STREAM_NAME: log.stream,
        SUBJECT_PREFIX: log.subjects.prefix,
      };
      const migrate = spawnCli(['migrate'], env);
      expect(await migrate.exited).toBe(0);
      expect(migrate.output()).toMatch(/migrated: .* is up to date/);
      const port = String((taken.address() as { port: number }).port);
      const serve = spawnCli(['serve'], { ...env, HOST: '127.0.0.1', PORT: port });
      expect(await serve.exited).toBe(1);
      expect(serve.output()).toMatch(
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use\\. .*set PORT`),
      );
    } finally {
      taken.close();
      await db.drop();
    }
  });
});
