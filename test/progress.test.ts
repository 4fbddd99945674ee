import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/cli/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (c: string) => chunks.push(c) };
}

describe('command-line progress', () => {
  it('on a terminal, redraws one bar in place, at most ten times a second, and clears it at the end', () => {
    let now = 0;
    const out = stream(true);
    const p = createProgress({
      label: 'publish',
      total: 1000,
      unit: 'events',
      stream: out,
      clock: () => now,
    });
    for (let i = 1; i <= 1000; i++) {
      now = i; // 1 ms per event
      p.update(i);
    }
    p.finish();
    expect(out.chunks).toHaveLength(10 + 1);
    expect(out.chunks[0]).toBe(
      `\rpublish [##${'.'.repeat(22)}] 100/1,000 events (10%), 1,000 events/s\u001b[K`,
    );
    expect(out.chunks.at(-2)).toMatch(/^\r.*1,000\/1,000 events \(100%\)/);
    expect(out.chunks.at(-1)).toBe('\r\u001b[K');
  });

  it('elsewhere, writes a plain line every lineEveryMs, without control characters', () => {
    let now = 0;
    const out = stream(false);
    const p = createProgress({
      label: 'simulate',
      total: 0, // not known
      unit: 'events',
      stream: out,
      lineEveryMs: 5000,
      clock: () => now,
    });
    for (let i = 1; i <= 12_000; i++) {
      now = i;
      p.update(i);
    }
    p.finish();
    expect(out.chunks).toEqual([
      'simulate: 5,000 events, 1,000 events/s\n',
      'simulate: 10,000 events, 1,000 events/s\n',
    ]);
  });
});
