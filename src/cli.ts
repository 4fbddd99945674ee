#!/usr/bin/env node
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { JetStreamApiError } from '@nats-io/jetstream';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createAuditLog } from './audit/audit-log.js';
import { runExport, runVerifyExport, UsageError } from './audit/commands.js';
import { ConfigError, loadConfig } from './config.js';
import { createDb } from './db/client.js';
import { parseEvent } from './events/index.js';
import { connectNats } from './log/connect.js';
import { createPublisher } from './log/publisher.js';
import { createSubjects } from './log/subjects.js';
import { createLogger } from './logger.js';
import { openDatabase, openLog, startService } from './main.js';
import { simulateEvents } from './worker/simulate.js';

/** Exit codes: 0 done, 1 failed at run time, 2 bad input or configuration. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
  return n;
};

const sequence = (name: string) => (v: string) => {
  const n = Number(v);
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name} must be a stream sequence (a whole number ≥ 1)`);
  return n;
};

const collect = (v: string, all: string[]) => [...all, v];

function config() {
  return loadConfig(process.env);
}

const program = new Command()
  .name('im-hub')
  .description(
    'Message hub: workers publish to NATS JetStream, projectors build Postgres read models, the API serves clients.',
  )
  .showHelpAfterError()
  // commander's own usage errors exit 2 like ours (subcommands inherit this)
  .exitOverride();

program
  .command('serve')
  .description('migrate the database, ensure the stream, run the projector and the HTTP API until SIGTERM')
  .action(async () => {
    const cfg = config();
    const log = createLogger(cfg.LOG_LEVEL);
    const service = await startService(cfg, log);
    let signals = 0;
    const shutdown = (signal: string) => {
      if (++signals > 1) process.exit(EXIT_FAILED);
      log.info({ signal }, 'signal received');
      const force = setTimeout(() => {
        log.error('shutdown timed out; exiting');
        process.exit(EXIT_FAILED);
      }, cfg.SHUTDOWN_TIMEOUT_MS);
      force.unref();
      service.stop().then(() => process.exit(0));
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });

program
  .command('migrate')
  .description('create the database if missing and apply the migrations')
  .action(async () => {
    const cfg = config();
    const db = await openDatabase(cfg, createLogger(cfg.LOG_LEVEL));
    await db.close();
  });

program
  .command('publish')
  .description(
    'publish an NDJSON file of events (one per line, "-" for stdin); invalid lines are reported and skipped',
  )
  .argument('<file>', 'NDJSON file, or - for standard input')
  .action(async (file: string) => {
    const cfg = config();
    const log = createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL);
    const nats = await openLog(cfg, log);
    const publisher = createPublisher({ js: nats.js, stream: cfg.STREAM_NAME, subjects: nats.subjects });
    const input = file === '-' ? process.stdin : createReadStream(file, 'utf8');
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let lineNo = 0;
    let published = 0;
    let duplicates = 0;
    let invalid = 0;
    const inflight = new Set<Promise<void>>();
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        invalid++;
        process.stderr.write(`line ${lineNo}: not JSON: ${(e as Error).message}\n`);
        continue;
      }
      const parsed = parseEvent(raw);
      if (!parsed.ok) {
        invalid++;
        process.stderr.write(`line ${lineNo}: ${parsed.reason}\n`);
        continue;
      }
      const p = publisher.publish(parsed.event).then((r) => {
        if (r.duplicate) duplicates++;
        else published++;
      });
      inflight.add(p);
      p.finally(() => inflight.delete(p));
      if (inflight.size >= 256) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    await nats.nc.drain();
    process.stdout.write(
      `published ${published}, duplicates ${duplicates}, invalid ${invalid} (of ${lineNo} lines)\n`,
    );
    if (invalid > 0) process.exitCode = EXIT_USAGE;
  });

program
  .command('simulate')
  .description('act as a few workers: publish realistic Chinese DMs, comments, edits and recalls')
  .option('--events <n>', 'how many events', positiveInt('--events'), 500)
  .option('--accounts <n>', 'monitored accounts', positiveInt('--accounts'), 3)
  .option('--conversations <n>', 'conversations per account', positiveInt('--conversations'), 20)
  .option('--rate <n>', 'events per second (0 = as fast as possible)', positiveInt('--rate'), 50)
  .option('--seed <n>', 'random seed (the same seed repeats the same stream)', positiveInt('--seed'))
  .action(
    async (o: { events: number; accounts: number; conversations: number; rate: number; seed?: number }) => {
      const cfg = config();
      const log = createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL);
      const nats = await openLog(cfg, log);
      const publisher = createPublisher({ js: nats.js, stream: cfg.STREAM_NAME, subjects: nats.subjects });
      const seed = o.seed ?? Date.now() % 1_000_000;
      const started = Date.now();
      let n = 0;
      for (const event of simulateEvents({
        seed,
        runId: `sim-${seed}-${started}`,
        accounts: o.accounts,
        conversationsPerAccount: o.conversations,
        events: o.events,
        startAt: started,
      })) {
        await publisher.publish(event);
        n++;
        if (n % 100 === 0 || n === o.events) process.stdout.write(`\rpublished ${n}/${o.events}`);
        if (o.rate > 0) {
          const due = started + (n * 1000) / o.rate;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }
      await nats.nc.drain();
      process.stdout.write(`\ndone: ${n} events on stream ${cfg.STREAM_NAME} (seed ${seed})\n`);
    },
  );

const audit = program
  .command('audit')
  .description('the raw history of the log and its hash chain, for auditors (see the README)');

audit
  .command('export')
  .description(
    'write the stored events of a range as NDJSON with their hash chain (standard output by default); progress and a summary go to standard error',
  )
  .option('--from <seq>', 'first stream sequence', sequence('--from'), 1)
  .option('--to <seq>', 'last stream sequence (default: the end of the stream)', sequence('--to'))
  .option('--account <id>', 'only this monitored account')
  .option('--type <type>', 'only this event type; repeat for several', collect, [])
  .option('--conversation <id>', 'only events naming this conversation (a c_… id; needs the read models)')
  .option('--out <file>', 'write to this file instead of standard output')
  .action(
    async (o: {
      from: number;
      to?: number;
      account?: string;
      type: string[];
      conversation?: string;
      out?: string;
    }) => {
      const cfg = config();
      // reads only: the stream is not created or changed, the database not migrated
      const nats = await connectNats({ url: cfg.NATS_URL, name: 'im-hub-audit-export' });
      const db = createDb(cfg.DATABASE_URL, { max: 2, applicationName: 'im-hub-audit-export' });
      try {
        await nats.jsm.streams.info(cfg.STREAM_NAME).catch((e: unknown) => {
          if (e instanceof JetStreamApiError && e.status === 404)
            throw new UsageError(`stream ${cfg.STREAM_NAME} does not exist at ${cfg.NATS_URL} (STREAM_NAME)`);
          throw e;
        });
        const auditLog = createAuditLog({
          sql: db.sql,
          js: nats.js,
          jsm: nats.jsm,
          stream: cfg.STREAM_NAME,
          subjects: createSubjects(cfg.SUBJECT_PREFIX),
          checkpointEvery: cfg.AUDIT_CHECKPOINT_EVERY,
        });
        process.exitCode = await runExport(
          auditLog,
          { ...o, type: o.type.length > 0 ? o.type : undefined },
          { stdout: process.stdout, stderr: process.stderr },
        );
      } catch (e) {
        if ((e as { code?: string }).code === '42P01')
          throw new Error(`${(e as Error).message}: the database is not migrated; run im-hub migrate`);
        throw e;
      } finally {
        await db.close();
        await nats.nc.close();
      }
    },
  );

audit
  .command('verify-export')
  .description(
    'check an export offline (no service, NATS or database needed): exit 0 verified, 1 a problem found (named by sequence), 2 not an export',
  )
  .argument('<file>', 'the export, or - for standard input')
  .option(
    '--expect <seq:hash>',
    'a hash known from elsewhere (the service, an earlier audit) that the export must have; repeatable',
    collect,
    [],
  )
  .action(async (file: string, o: { expect: string[] }) => {
    process.exitCode = await runVerifyExport(file, o.expect, {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
    });
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE);
  if (e instanceof ConfigError || e instanceof UsageError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(EXIT_USAGE);
  }
  process.stderr.write(`im-hub: ${(e as Error).message}\n`);
  process.exit(EXIT_FAILED);
});
