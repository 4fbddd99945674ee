import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BULK_NODE_OPTIONS } from '../src/cli/bulk-process.js';

// `rebuild`, `verify` and `audit export` run in a Node process with a larger young generation: the command
// starts itself again with BULK_NODE_OPTIONS, and ends the way that process ends.

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function run(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/bulk-process-child.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const lines = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { pid: number; ppid: number; execArgv: string[] });
  return { child, lines, closed: once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]> };
}

describe('the replay commands’ process', () => {
  it('is started again with the young generation the replay needs, and its exit code is the command’s', async () => {
    const r = run();
    const [code] = await r.closed;
    expect(code).toBe(7);
    const [worker] = r.lines();
    expect(r.lines()).toHaveLength(1);
    expect(worker!.ppid).toBe(r.child.pid); // the work ran in a process of its own
    expect(worker!.execArgv).toEqual(expect.arrayContaining([...BULK_NODE_OPTIONS]));
  });

  it('is not started again when the operator chose a semi-space size', async () => {
    const r = run({ NODE_OPTIONS: '--max-semi-space-size=32' });
    const [code] = await r.closed;
    expect(code).toBe(7);
    const [worker] = r.lines();
    expect(worker!.pid).toBe(r.child.pid);
    expect(worker!.execArgv).not.toContain('--max-semi-space-size=64');
  });

  it.each([
    ['SIGTERM', 15],
    ['SIGINT', 2],
  ] as const)('passes %s on, and ends as the process doing the work ended', async (signal, number) => {
    const r = run({ WAIT_FOR_SIGNAL: '1' });
    await new Promise<void>((resolve) => r.child.stdout.once('data', () => resolve()));
    r.child.kill(signal); // the command's process only, as a supervisor or `kill` sends it
    const [code] = await r.closed;
    expect(code).toBe(128 + number);
  });
});
