import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';

/**
 * V8's young generation for the commands that work through the whole log (`rebuild`,
 * `verify`, `audit export`): semi-spaces of 64 MiB instead of 16. A replay's main thread keeps
 * a batch of events and rows alive while it folds and writes them; in small semi-spaces much of
 * that survives several scavenges and is copied each time, then promoted and collected again by
 * the old generation. An export allocates a window of messages and their lines for every
 * chunk it writes. (A replay's reader thread sets its own with `resourceLimits`: see
 * `src/replay/decoded-batches.ts`.)
 */
export const BULK_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=64'];

/**
 * Runs this command line again in a Node process started with `BULK_NODE_OPTIONS`, unless
 * this process already has a semi-space size (those options, or one the operator chose in
 * `NODE_OPTIONS` or on the command line). Resolves to the exit code to end with, or to null:
 * go on here.
 */
export async function inBulkProcess(): Promise<number | null> {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((a) => a.startsWith('--max-semi-space-size'))) return null;
  const child = spawn(
    process.execPath,
    [...BULK_NODE_OPTIONS, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  );
  // The signals that end a command are passed on (Ctrl-C in a terminal reaches both processes
  // already; a second SIGINT only finds the command ending), and this one waits for its end.
  const passOn = (signal: NodeJS.Signals) => child.kill(signal);
  const ending = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of ending) process.on(signal, passOn);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return code ?? 128 + (signal ? constants.signals[signal] : 0);
  } finally {
    for (const signal of ending) process.off(signal, passOn);
  }
}
