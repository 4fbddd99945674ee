import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodesHelp, UsageError } from './exit-codes.js';

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}

/** The settings from the environment; a bad one is a ConfigError (exit code 2). */
export const configFromEnv = () => loadConfig(process.env);

/** An option value that must be a whole number ≥ 0 (commander reports the failure, exit code 2). */
export const wholeNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
  return n;
};

const ENVIRONMENT = `
Settings come from environment variables (NATS_URL, DATABASE_URL, STREAM_NAME, LOG_LEVEL, …);
the README's configuration table lists them all.`;

/**
 * The `im-hub` program, without its commands. Each command is a module under `src/cli/commands`
 * that adds itself with `program.command(…)` (not `addCommand`, so it inherits the settings
 * below), ends its help with `exitCodesHelp(…)`, throws `UsageError` for bad input and plain
 * errors that say what to do for the rest; `runCli` turns those into exit codes.
 */
export function createProgram(): Command {
  const program = new Command()
    .name('im-hub')
    .description(
      'The message hub: workers publish events to NATS JetStream, a projector builds the Postgres read models, the HTTP API serves clients.',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    // commander's own usage errors are thrown, not exited on, so that they exit 2 like ours
    .exitOverride();
  program.addHelpText('after', `${exitCodesHelp()}\n${ENVIRONMENT}`);
  return program;
}

/** Runs the program and exits with the code its outcome means. */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed the help or the error already
      process.exit(e.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
    }
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`im-hub: ${e.message}\n`);
      process.exit(EXIT_USAGE);
    }
    process.stderr.write(`im-hub: ${(e as Error).message}\n`);
    process.exit(EXIT_FAILED);
  }
}
