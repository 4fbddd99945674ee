import type { Command } from 'commander';
import type { Config } from '../../config.js';
import { createDb } from '../../db/client.js';
import { connectNats } from '../../log/connect.js';
import { createSubjects } from '../../log/subjects.js';
import { createLogger } from '../../logger.js';
import { openDatabase } from '../../main.js';
import { createProgress } from '../../replay/progress.js';
import { rebuildReadModels } from '../../replay/rebuild.js';
import { stateAt } from '../../replay/state-at.js';
import { verifyReadModels } from '../../replay/verify.js';
import { inBulkProcess } from '../bulk-process.js';
import { UsageError } from '../exit-codes.js';
import { configFromEnv, wholeNumber } from '../program.js';

/** `verify` found read models that differ from the log: apart from 1, so that a scheduled check can tell "wrong" from "could not check". */
const EXIT_DIFFERENT = 3;

/** Refuses a partitioned log, before anything is opened or migrated. */
function onePartitionOnly(cfg: Config): void {
  if (cfg.PARTITIONS > 1) {
    throw new UsageError(
      `rebuild, verify and state replay one stream, and this log has ${cfg.PARTITIONS} partitions (PARTITIONS): ` +
        'they are not available for a partitioned log yet. To rebuild, stop the hub, drop the database and start it again: it projects every partition from the beginning.',
    );
  }
}

/** The log, which must already exist: the commands that only read it never create it. */
async function openExistingLog(cfg: Config) {
  onePartitionOnly(cfg);
  const nats = await connectNats({
    url: cfg.NATS_URL,
    user: cfg.NATS_USER,
    pass: cfg.NATS_PASSWORD,
    name: 'im-hub cli',
  });
  try {
    await nats.jsm.streams.info(cfg.STREAM_NAME);
  } catch (e) {
    await nats.nc.close();
    throw new UsageError(
      `stream ${cfg.STREAM_NAME} cannot be read at ${cfg.NATS_URL} (${(e as Error).message}); check STREAM_NAME and NATS_URL`,
    );
  }
  return { ...nats, subjects: createSubjects(cfg.SUBJECT_PREFIX) };
}

/** Everything `rebuild` and `verify` need, and a way to close it. */
async function openReplay() {
  const cfg = configFromEnv();
  onePartitionOnly(cfg);
  const log = createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL);
  const db = await openDatabase(cfg, log);
  const nats = await openExistingLog(cfg).catch(async (e) => {
    await db.close();
    throw e;
  });
  return {
    deps: {
      sql: db.sql,
      databaseUrl: cfg.DATABASE_URL,
      natsUrl: cfg.NATS_URL,
      js: nats.js,
      jsm: nats.jsm,
      stream: cfg.STREAM_NAME,
      subjects: nats.subjects,
      projector: `read-models:${cfg.STREAM_NAME}`,
      chainCheckpointEvery: cfg.AUDIT_CHECKPOINT_EVERY,
      progress: createProgress(process.stderr),
    },
    async close() {
      await nats.nc.close();
      await db.close();
    },
  };
}

const n = (x: number) => x.toLocaleString('en-US');
const secs = (x: number) => `${x.toFixed(1)} s`;
const short = (v: unknown) => {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** `rebuild`, `verify` and `state`: the read models replayed from the log. */
export function registerReplayCommands(program: Command): void {
  program
    .command('rebuild')
    .description(
      'replay the whole log into fresh read-model tables and switch the service to them atomically; queries keep answering',
    )
    .option(
      '--batch-size <n>',
      'events per transaction of the bulk replay',
      wholeNumber('--batch-size'),
      25_000,
    )
    .option(
      '--handover-timeout <seconds>',
      'how long to wait for the running projector to hand its lock over',
      wholeNumber('--handover-timeout'),
      30,
    )
    .action(async (o: { batchSize: number; handoverTimeout: number }) => {
      const exit = await inBulkProcess();
      if (exit !== null) {
        process.exitCode = exit;
        return;
      }
      const run = await openReplay();
      try {
        const r = await rebuildReadModels(run.deps, {
          batchSize: o.batchSize,
          handoverTimeoutMs: o.handoverTimeout * 1000,
        });
        const out = [
          `rebuild: read models rebuilt from ${run.deps.stream} up to seq ${n(r.seq)} ` +
            `(${n(r.events)} events applied, ${n(r.rejected)} rejected as malformed)`,
          `  replay    ${secs(r.seconds.replay)} (${n(Math.round(r.seq / Math.max(r.seconds.replay, 1e-3)))} events/s)`,
          `  indexes   ${secs(r.seconds.indexes)}`,
          `  catch-up  ${secs(r.seconds.catchUp)}`,
          `  switch    ${secs(r.seconds.paused)} with live projection paused (swap ${(r.seconds.swap * 1000).toFixed(0)} ms)`,
          `  drop      ${secs(r.seconds.drop)} (old tables)`,
          `  total     ${secs(r.seconds.total)}`,
          `  ${'table'.padEnd(18)}${'rows before'.padStart(14)}${'rows after'.padStart(14)}`,
          ...r.rows.map(
            (t) =>
              `  ${t.table.padEnd(18)}${n(t.before).padStart(14)}${n(t.after).padStart(14)}${t.before === t.after ? '' : '  (changed)'}`,
          ),
        ];
        if (r.abandoned.length > 0)
          out.push(`  dropped scratch schemas of interrupted runs: ${r.abandoned.join(', ')}`);
        process.stdout.write(`${out.join('\n')}\n`);
      } finally {
        await run.close();
      }
    });

  program
    .command('verify')
    .description(
      'replay the log into a scratch schema and compare every read model with the live one; exit 3 when they differ',
    )
    .option('--examples <n>', 'differing rows to show per table', wholeNumber('--examples'), 5)
    .option('--json', 'print the report as JSON')
    .action(async (o: { examples: number; json?: boolean }) => {
      const exit = await inBulkProcess();
      if (exit !== null) {
        process.exitCode = exit;
        return;
      }
      const run = await openReplay();
      try {
        const r = await verifyReadModels(run.deps, { examples: o.examples });
        if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        else {
          const out = [`verify: live read models at seq ${n(r.seq)} against a replay of ${run.deps.stream}`];
          for (const t of r.tables) {
            const what = t.same
              ? `${n(t.live.rows).padStart(12)} rows  ${t.live.md5}  same`
              : `DIFFERENT: live ${n(t.live.rows)} rows ${t.live.md5}, log ${n(t.replayed.rows)} rows ${t.replayed.md5}; ${n(t.differingRows)} ${t.differingRows === 1 ? 'row differs' : 'rows differ'}`;
            out.push(`  ${t.table.padEnd(18)}${what}`);
            for (const x of t.examples) {
              const key = Object.entries(x.key)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ');
              const detail =
                x.kind === 'only_live'
                  ? 'in the live read model, not produced by the log'
                  : x.kind === 'only_replayed'
                    ? 'produced by the log, missing from the live read model'
                    : x.columns
                        .map((c) => `${c.column}: live ${short(c.live)}, log ${short(c.replayed)}`)
                        .join('; ');
              out.push(`      ${key}: ${detail}`);
            }
          }
          const differ = r.tables.filter((t) => !t.same).length;
          out.push(
            differ === 0
              ? `verify: all ${r.tables.length} read models match the log (${secs(r.seconds.total)})`
              : `verify: ${differ} of ${r.tables.length} read models differ from the log; run rebuild to replace them (${secs(r.seconds.total)})`,
          );
          process.stdout.write(`${out.join('\n')}\n`);
        }
        if (!r.same) process.exitCode = EXIT_DIFFERENT;
      } finally {
        await run.close();
      }
    });

  program
    .command('state')
    .description(
      'print as JSON a conversation (or a whole account) as it stood right after a sequence of the log: ' +
        'messages with their content then, edits, recalls, read state, tags, pin and archive',
    )
    .requiredOption('--at-seq <n>', 'the stream sequence', wholeNumber('--at-seq'))
    .option('--conversation <id>', 'a conversation id (c_…)')
    .option('--account <id>', 'the monitored account (required without --conversation)')
    .action(async (o: { atSeq: number; conversation?: string; account?: string }) => {
      if (!o.conversation && !o.account)
        throw new UsageError('state needs --conversation <id> or --account <id>');
      if (o.conversation && !/^c_[A-Za-z0-9_-]{22}$/.test(o.conversation)) {
        throw new UsageError(
          `--conversation ${o.conversation} is not a conversation id (c_ and 22 characters)`,
        );
      }
      const cfg = configFromEnv();
      const nats = await openExistingLog(cfg);
      try {
        let accountId = o.account;
        if (!accountId) {
          const db = createDb(cfg.DATABASE_URL, { max: 1 });
          try {
            const [row] = await db.sql<{ account_id: string }[]>`
              select account_id from conversations where id = ${o.conversation!}`;
            accountId = row?.account_id;
          } catch {
            // no database to ask: --account is needed
          } finally {
            await db.close();
          }
          if (!accountId) {
            throw new UsageError(
              `conversation ${o.conversation} is not in the read models; name its account with --account`,
            );
          }
        }
        const info = await nats.jsm.streams.info(cfg.STREAM_NAME);
        if (o.atSeq > info.state.last_seq) {
          throw new UsageError(`--at-seq ${o.atSeq} is past the end of the log (${info.state.last_seq})`);
        }
        const state = await stateAt(
          { js: nats.js, jsm: nats.jsm, stream: cfg.STREAM_NAME, subjects: nats.subjects },
          { atSeq: o.atSeq, accountId, conversationId: o.conversation },
        );
        if (o.conversation && 'conversation' in state && state.conversation === null) {
          process.stderr.write(`conversation ${o.conversation} did not exist yet at seq ${o.atSeq}\n`);
        }
        process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
      } finally {
        await nats.nc.close();
      }
    });
}
