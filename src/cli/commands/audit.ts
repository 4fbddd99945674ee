import { JetStreamApiError } from '@nats-io/jetstream';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createAuditLog } from '../../audit/audit-log.js';
import { runExport, runVerifyExport } from '../../audit/commands.js';
import type { Config } from '../../config.js';
import { createDb, type Sql } from '../../db/client.js';
import { connectNats } from '../../log/connect.js';
import { createPartitions, type Partition } from '../../log/partitions.js';
import { inBulkProcess } from '../bulk-process.js';
import { exitCodesHelp, UsageError } from '../exit-codes.js';
import { configFromEnv } from '../program.js';

const sequence = (name: string) => (v: string) => {
  const n = Number(v);
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name} must be a stream sequence (a whole number ≥ 1)`);
  return n;
};

const collect = (v: string, all: string[]) => [...all, v];

const partitionNumber = (v: string) => {
  if (!/^\d{1,3}$/.test(v)) throw new InvalidArgumentError('--partition must be a whole number ≥ 0');
  return Number(v);
};

/** The partition an export reads: named, or the one of its account (or conversation's account). */
async function exportedPartition(
  cfg: Config,
  o: { partition?: number; account?: string; conversation?: string },
  sql: Sql,
): Promise<Partition> {
  const partitions = createPartitions({
    stream: cfg.STREAM_NAME,
    prefix: cfg.SUBJECT_PREFIX,
    count: cfg.PARTITIONS,
  });
  let account = o.account;
  if (account === undefined && o.conversation !== undefined && partitions.count > 1) {
    const [row] = await sql<{ account_id: string }[]>`
      select account_id from conversations where id = ${o.conversation}`;
    account = row?.account_id;
  }
  const byAccount = account === undefined ? undefined : partitions.of(account);
  if (o.partition === undefined) {
    if (byAccount) return byAccount;
    if (partitions.count > 1)
      throw new UsageError(
        `the log has ${partitions.count} partitions (PARTITIONS): name one with --partition, or --account`,
      );
    return partitions.list[0]!;
  }
  const named = partitions.list[o.partition];
  if (!named) throw new UsageError(`--partition must be less than ${partitions.count} (PARTITIONS)`);
  if (byAccount && byAccount !== named)
    throw new UsageError(`account ${account} is in partition ${byAccount.index}, not ${o.partition}`);
  return named;
}

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
    .option(
      '--partition <n>',
      'with PARTITIONS > 1: the partition whose stream to export (--account or --conversation implies it)',
      partitionNumber,
    )
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
        partition?: number;
      }) => {
        const exit = await inBulkProcess();
        if (exit !== null) {
          process.exitCode = exit;
          return;
        }
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
          const partition = await exportedPartition(cfg, o, db.sql);
          await nats.jsm.streams.info(partition.stream).catch((e: unknown) => {
            if (e instanceof JetStreamApiError && e.status === 404)
              throw new UsageError(
                `stream ${partition.stream} does not exist at ${cfg.NATS_URL} (STREAM_NAME, PARTITIONS)`,
              );
            throw e;
          });
          const auditLog = createAuditLog({
            sql: db.sql,
            js: nats.js,
            jsm: nats.jsm,
            stream: partition.stream,
            subjects: partition.subjects,
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
