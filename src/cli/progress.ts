/** Where progress goes: standard error, or anything like it (tests pass their own). */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  label: string;
  /** The amount of work, in `unit`s; 0 when it is not known (standard input). */
  total: number;
  unit: string;
  stream: ProgressStream;
  /** Without a terminal, one plain line this often. */
  lineEveryMs?: number;
  clock?: () => number;
}

export type Progress = ReturnType<typeof createProgress>;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const WIDTH = 24;

/**
 * Progress of long command-line work, on standard error so it never mixes with the output. On
 * a terminal, a bar redrawn in place at most ten times a second; otherwise (a pipe, a log file,
 * CI) a plain line every `lineEveryMs`, with no control characters.
 *
 * @example
 * const p = createProgress({ label: 'publish', total: 10_000, unit: 'events', stream: process.stderr });
 * p.update(4_500); … p.finish();
 */
export function createProgress(o: ProgressOptions) {
  const clock = o.clock ?? Date.now;
  const started = clock();
  const tty = o.stream.isTTY === true;
  const every = tty ? 100 : (o.lineEveryMs ?? 5000);
  let drawnAt = started;
  let done = 0;
  let drawn = false;

  function text(): string {
    const seconds = Math.max((clock() - started) / 1000, 0.001);
    const rate = `${fmt(done / seconds)} ${o.unit}/s`;
    if (o.total <= 0) return `${o.label}: ${fmt(done)} ${o.unit}, ${rate}`;
    const share = Math.min(done / o.total, 1);
    const counts = `${fmt(done)}/${fmt(o.total)} ${o.unit} (${Math.floor(share * 100)}%)`;
    if (!tty) return `${o.label}: ${counts}, ${rate}`;
    const filled = Math.round(share * WIDTH);
    return `${o.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${counts}, ${rate}`;
  }

  function draw(): void {
    drawn = true;
    o.stream.write(tty ? `\r${text()}\u001b[K` : `${text()}\n`);
  }

  return {
    /** Work done so far (a total, not an increment). */
    update(n: number): void {
      done = n;
      const now = clock();
      if (now - drawnAt < every) return;
      drawnAt = now;
      draw();
    },
    /** Ends the bar: a terminal gets its line cleared, so the summary that follows stands alone. */
    finish(): void {
      if (tty && drawn) o.stream.write('\r\u001b[K');
    },
  };
}
