import type { Command } from 'commander';
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
    .addHelpText(
      'after',
      `
Logs go to standard output as JSON lines (LOG_LEVEL). Once it listens: the API at
http://HOST:PORT/api/v1, the reference at /docs, readiness at /ready, metrics at /metrics.
${exitCodesHelp({
  failed: 'Postgres or NATS unreachable, the port in use, or a shutdown that outlasted SHUTDOWN_TIMEOUT_MS',
  usage: 'a bad environment variable (named in the message)',
})}`,
    )
    .action(async () => {
      const cfg = configFromEnv();
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
