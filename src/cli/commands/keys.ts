import { userInfo } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatScope, parseApiKey } from '../../auth/api-keys.js';
import { createKeyCommands, listKeys } from '../../commands/api-keys.js';
import type { Config } from '../../config.js';
import { ApiKeyId, HUB_ACCOUNT, KeyName, KeyScope, Role } from '../../events/index.js';
import { createPublisher } from '../../log/publisher.js';
import { createLogger } from '../../logger.js';
import { openDatabase, openLog } from '../../main.js';
import { pollCheckpoint } from '../../projections/wait.js';
import { exitCodesHelp, UsageError } from '../exit-codes.js';
import { configFromEnv, wholeNumber } from '../program.js';

const scope = (v: string) => {
  const parsed = KeyScope.safeParse(v === 'all' ? 'all' : v.split(',').map((a) => a.trim()));
  if (!parsed.success)
    throw new InvalidArgumentError('give all, or monitored account ids separated by commas (at most 100)');
  return parsed.data;
};
const keyName = (v: string) => {
  const parsed = KeyName.safeParse(v);
  if (!parsed.success) throw new InvalidArgumentError('1-128 characters, no control characters');
  return parsed.data;
};
/** A key id, or a whole key (its id is read from it). */
const keyIdArg = (v: string) => {
  const id = parseApiKey(v)?.keyId ?? v;
  if (!ApiKeyId.safeParse(id).success)
    throw new InvalidArgumentError(
      'give the key id (16 hex digits, as keys list shows it) or the key itself',
    );
  return id;
};

const WAIT_HELP =
  'how long to wait for the projector to apply it (the running service projects); 0: do not wait';
const NOT_PROJECTED = (what: string, seq: number, ms: number) =>
  `${what} is on the log (sequence ${seq}) but no projector applied it within ${ms} ms. ` +
  'Is the service running (im-hub serve) on the same STREAM_NAME and DATABASE_URL? It takes effect once the service has projected it';

/** Who runs the command, as the events' actor. */
const cliActor = () => {
  try {
    return `cli:${userInfo().username}`.slice(0, 128);
  } catch {
    return 'cli';
  }
};

async function openKeyCommands(cfg: Config) {
  const log = createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL);
  const db = await openDatabase(cfg, log);
  const nats = await openLog(cfg, log).catch(async (e) => {
    await db.close();
    throw e;
  });
  const commands = createKeyCommands({
    publisher: createPublisher({ js: nats.js, partitions: nats.partitions }),
    // key events belong to the hub's own account, so to its partition of the log
    waitFor: pollCheckpoint(db.sql, nats.partitions.of(HUB_ACCOUNT).projector, 25),
    db: db.db,
  });
  return {
    commands,
    async close() {
      await nats.nc.drain().catch(() => {});
      await db.close();
    },
  };
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** `keys create`, `keys list`, `keys revoke`: the API keys, as events on the log. */
export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys for the HTTP API: create, list, revoke (see the README, Security)');

  keys
    .command('create')
    .description(
      'create an API key; prints the key once, on standard output: store it now, only its hash is kept',
    )
    .addOption(new Option('--role <role>', 'what the key may do').choices(Role.options).makeOptionMandatory())
    .requiredOption(
      '--accounts <a,b|all>',
      'the monitored accounts it may see: all, or ids separated by commas',
      scope,
    )
    .requiredOption('--name <name>', 'who holds it (recorded as the actor of what it does)', keyName)
    .option('--wait <ms>', WAIT_HELP, wholeNumber('--wait'), 10_000)
    .addHelpText(
      'after',
      `
Roles: reader reads its accounts; operator also acts (mark read, pin, tag, block, edit, recall,
reply); auditor reads, and the raw history and recalled content; admin does everything.

Example:
  KEY=$(im-hub keys create --role reader --accounts dy_10001,dy_10002 --name crm-team-a)
  curl -H "Authorization: Bearer $KEY" localhost:3000/api/v1/conversations?account_id=dy_10001
${exitCodesHelp({
  failed:
    'NATS or Postgres unreachable, or the projector did not apply the key in time (the key is printed anyway: it works once the service has projected it)',
  usage: 'a bad --role, --accounts or --name',
})}`,
    )
    .action(async (o: { role: Role; accounts: KeyScope; name: string; wait: number }) => {
      const cfg = configFromEnv();
      const k = await openKeyCommands(cfg);
      try {
        const r = await k.commands.create(
          { name: o.name, role: o.role, accounts: o.accounts, actor: cliActor() },
          o.wait,
        );
        process.stdout.write(`${r.key}\n`);
        process.stderr.write(
          `created key ${r.keyId} "${o.name}" (${o.role}, accounts ${formatScope(o.accounts)}): it is shown this once, store it now\n`,
        );
        if (!r.projected && o.wait > 0) throw new Error(NOT_PROJECTED(`key ${r.keyId}`, r.seq, o.wait));
        if (!r.projected) process.stderr.write(`it works once the service has projected sequence ${r.seq}\n`);
      } finally {
        await k.close();
      }
    });

  keys
    .command('list')
    .description('list the API keys: id, name, role, accounts, created, revoked (never a secret)')
    .option('--json', 'one JSON object a line instead of a table')
    .addHelpText('after', exitCodesHelp({ failed: 'Postgres unreachable', usage: 'a bad option' }))
    .action(async (o: { json?: boolean }) => {
      const cfg = configFromEnv();
      const db = await openDatabase(cfg, createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL));
      try {
        const rows = await listKeys(db.db);
        if (o.json) {
          for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const table = [
          ['KEY ID', 'NAME', 'ROLE', 'ACCOUNTS', 'CREATED', 'REVOKED'],
          ...rows.map((r) => [
            r.key_id,
            r.name,
            r.role,
            formatScope(r.accounts),
            iso(r.created_at),
            iso(r.revoked_at),
          ]),
        ];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
        for (const row of table)
          process.stdout.write(
            `${row
              .map((c, i) => c.padEnd(widths[i]!))
              .join('  ')
              .trimEnd()}\n`,
          );
        if (rows.length === 0) process.stderr.write('no keys yet: create one with im-hub keys create\n');
      } finally {
        await db.close();
      }
    });

  keys
    .command('revoke')
    .description('revoke an API key: from the moment the service has projected it, the key is refused (401)')
    .argument('<key-id>', 'the key id as keys list shows it (or the key itself)', keyIdArg)
    .option('--wait <ms>', WAIT_HELP, wholeNumber('--wait'), 10_000)
    .addHelpText(
      'after',
      `
To rotate a key: create the new one, give it to its holder, then revoke the old one.
${exitCodesHelp({
  failed: 'NATS or Postgres unreachable, or the projector did not apply the revocation in time',
  usage: 'not a key id, or no such key',
})}`,
    )
    .action(async (keyId: string, o: { wait: number }) => {
      const cfg = configFromEnv();
      const k = await openKeyCommands(cfg);
      try {
        const r = await k.commands.revoke(keyId, cliActor(), o.wait);
        if (r === null)
          throw new UsageError(
            `no key ${keyId}: see im-hub keys list (a key created a moment ago may not be projected yet)`,
          );
        if (!r.projected && o.wait > 0)
          throw new Error(NOT_PROJECTED(`the revocation of key ${keyId}`, r.seq, o.wait));
        if (!r.projected) {
          process.stdout.write(
            `revocation of key ${keyId} appended (sequence ${r.seq}); it takes effect once the service has projected it\n`,
          );
          return;
        }
        process.stdout.write(r.already ? `key ${keyId} was revoked already\n` : `revoked key ${keyId}\n`);
      } finally {
        await k.close();
      }
    });
}
