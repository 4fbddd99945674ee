import { JetStreamApiError } from '@nats-io/jetstream';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createAuditLog } from '../../audit/audit-log.js';
import { runExport, runVerifyExport } from '../../audit/commands.js';
import { createDb } from '../../db/client.js';
import { connectNats } from '../../log/connect.js';
import { createSubjects } from '../../log/subjects.js';
import { exitCodesHelp, UsageError } from '../exit-codes.js';
import { configFromEnv } from '../program.js';

const sequence = (name: string) => (v: string) => {
  const n = Number(v);
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name} must be a stream sequence (a whole number ≥ 1)`);
  return n;
};

const collect = (v: string, all: string[]) => [...all, v];

/** `audit export` and `audit verify-export`: the raw history and its hash chain, for auditors. */
export function registerAuditCommands(program: Command): void {
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
    .addHelpText(
      'after',
      exitCodesHelp({
        failed: 'NATS or Postgres unreachable, or the log no longer gives a stored chain checkpoint',
        usage: 'a bad option, an unknown type or conversation, a stream that does not exist',
      }),
    )
    .action(
      async (o: {
        from: number;
        to?: number;
        account?: string;
        type: string[];
        conversation?: string;
        out?: string;
      }) => {
        const cfg = configFromEnv();
        // reads only: the stream is not created or changed, the database not migrated
        const nats = await connectNats({
          url: cfg.NATS_URL,
          user: cfg.NATS_USER,
          pass: cfg.NATS_PASSWORD,
          name: 'im-hub-audit-export',
        });
        const db = createDb(cfg.DATABASE_URL, { max: 2, applicationName: 'im-hub-audit-export' });
        try {
          await nats.jsm.streams.info(cfg.STREAM_NAME).catch((e: unknown) => {
            if (e instanceof JetStreamApiError && e.status === 404)
              throw new UsageError(
                `stream ${cfg.STREAM_NAME} does not exist at ${cfg.NATS_URL} (STREAM_NAME)`,
              );
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
    .addHelpText(
      'after',
      exitCodesHelp({
        failed: 'a problem found in the export, named by sequence and line',
        usage: 'not an export, an unreadable file, a bad --expect',
      }),
    )
    .action(async (file: string, o: { expect: string[] }) => {
      process.exitCode = await runVerifyExport(file, o.expect, {
        stdout: process.stdout,
        stderr: process.stderr,
        stdin: process.stdin,
      });
    });
}
