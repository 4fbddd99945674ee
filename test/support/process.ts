import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Standard output and standard error, interleaved as they came. */
  output(): string;
  stdout(): string;
  stderr(): string;
}

/** Runs the real command line (`im-hub <args>`) as a child process, from the sources. */
export function spawnCli(args: string[], env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    out += d;
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
    stderr += d;
  });
  // 'close', not 'exit': the pipes are read to their end
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, exited, output: () => out, stdout: () => stdout, stderr: () => stderr };
}
