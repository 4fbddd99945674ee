/** Where progress goes: standard error, or anything like it (tests pass their own). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  label: string;
  /** The amount of work, in `unit`s; 0 or less when not known (a pipe). */
  total: number;
  unit: string;
  stream: ProgressStream;
  /** Without a terminal, one line this often. */
  lineEveryMs?: number;
  clock?: () => number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const BAR = 24;

/**
 * Progress of long command-line work on standard error, never mixed with the output. On a
 * terminal a bar redrawn in place (at most ten times a second); otherwise (a log file, CI) a
 * plain line every `lineEveryMs`, so that the output stays readable.
 *
 * @example
 * const p = createProgress({ label: 'export', total: 10_000, unit: 'seq', stream: process.stderr });
 * p.update(4_500); … p.finish();
 */
export function createProgress(o: ProgressOptions) {
  const clock = o.clock ?? Date.now;
  const started = clock();
  const tty = o.stream.isTTY === true;
  const every = tty ? 100 : (o.lineEveryMs ?? 5000);
  let lastDrawn = started;
  let done = 0;

  function text(): string {
    const seconds = Math.max((clock() - started) / 1000, 0.001);
    const rate = `${fmt(done / seconds)} ${o.unit}/s`;
    if (o.total <= 0) return `${o.label}: ${fmt(done)} ${o.unit}, ${rate}`;
    const share = Math.min(done / o.total, 1);
    const percent = `${Math.floor(share * 100)}%`;
    const counts = `${fmt(done)}/${fmt(o.total)} ${o.unit}`;
    if (!tty) return `${o.label}: ${counts} (${percent}), ${rate}`;
    const filled = Math.round(share * BAR);
    return `${o.label} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${percent} ${counts}, ${rate}`;
  }

  function draw(): void {
    if (tty) o.stream.write(`\r${text()}\u001b[K`);
    else o.stream.write(`${text()}\n`);
  }

  return {
    /** Work done so far (absolute, not an increment). */
    update(n: number): void {
      done = n;
      const now = clock();
      if (now - lastDrawn < every) return;
      lastDrawn = now;
      draw();
    },
    /** Ends the bar (a terminal gets its line cleared). */
    finish(): void {
      if (tty) o.stream.write('\r\u001b[K');
    },
  };
}
