import type { Command } from 'commander';
import { redactUrl } from '../../db/migrate.js';
import { createLogger } from '../../logger.js';
import { openDatabase } from '../../main.js';
import { exitCodesHelp } from '../exit-codes.js';
import { configFromEnv } from '../program.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('create the database named in DATABASE_URL if it is missing, and apply the migrations')
    .addHelpText(
      'after',
      `
serve does this too at every start; run it alone to prepare a database ahead of a deployment.
${exitCodesHelp({ failed: 'Postgres unreachable or a migration refused', usage: 'a bad DATABASE_URL' })}`,
    )
    .action(async () => {
      const cfg = configFromEnv();
      const db = await openDatabase(cfg, createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL));
      await db.close();
      process.stdout.write(`migrated: ${redactUrl(cfg.DATABASE_URL)} is up to date\n`);
    });
}
