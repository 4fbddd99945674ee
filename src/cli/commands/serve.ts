import { type Command, Option } from 'commander';
import { ROLES, type Role } from '../../config.js';
import { createLogger } from '../../logger.js';
import { startService } from '../../main.js';
import { EXIT_FAILED, EXIT_OK, exitCodesHelp } from '../exit-codes.js';
import { configFromEnv } from '../program.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'migrate the database, ensure the stream, then run the projector and the HTTP API until SIGTERM or Ctrl-C',
    )
    .addOption(new Option('--role <role>', 'what this process runs (overrides ROLE)').choices([...ROLES]))
    .addHelpText(
      'after',
      `
Roles: all (the default) runs the API and the projectors; api runs the API and live streams
only (another process projects); projector runs the projectors and the reply sweeper, and
serves only /health, /ready and /metrics.

Logs go to standard output as JSON lines (LOG_LEVEL). Once it listens: the API at
http://HOST:PORT/api/v1, the reference at /docs, readiness at /ready, metrics at /metrics.
${exitCodesHelp({
  failed: 'Postgres or NATS unreachable, the port in use, or a shutdown that outlasted SHUTDOWN_TIMEOUT_MS',
  usage: 'a bad environment variable (named in the message)',
})}`,
    )
    .action(async (o: { role?: Role }) => {
      const cfg = { ...configFromEnv(), ...(o.role ? { ROLE: o.role } : {}) };
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
        service.stop().then(() => process.exit(EXIT_OK));
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });
}
