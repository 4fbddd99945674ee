const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Where long work reports how far it is. */
export interface ReplayProgress {
  /** A new phase; `total` when its end is known (events, steps). */
  phase(name: string, total?: number): void;
  /** How far the phase is, and what it is doing now. */
  update(done: number, note?: string): void;
  /** The phase is over (a no-op when none is running). */
  end(): void;
}

export interface ProgressOptions {
  /** Draw a bar redrawn in place (a terminal), or write a line now and then (a log). */
  tty?: boolean;
  /** How often a line is written when not on a terminal. */
  lineEveryMs?: number;
  /** What the counted things are called ("events"). */
  unit?: string;
  now?: () => number;
}

/**
 * Progress on a stream (stderr): on a terminal a bar redrawn at most ten times a second, with
 * the rate and the time left; otherwise one line every `lineEveryMs`; and at the end of each
 * phase a line with its count, time and rate.
 */
export function createProgress(
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  options: ProgressOptions = {},
): ReplayProgress {
  const tty = options.tty ?? out.isTTY === true;
  const every = tty ? 100 : (options.lineEveryMs ?? 5000);
  const clock = options.now ?? (() => performance.now());
  const unit = options.unit ?? 'events';
  let current: {
    name: string;
    total?: number;
    done: number;
    note?: string;
    start: number;
    shown: number;
  } | null = null;

  function line(final: boolean): string {
    const p = current!;
    const s = (clock() - p.start) / 1000;
    const rate = s > 0 ? p.done / s : 0;
    const counted = p.total !== undefined && p.total > 0;
    const countText = counted ? `${fmt(p.done)}/${fmt(p.total!)}` : fmt(p.done);
    const isSteps = p.name !== 'replay';
    if (final) {
      return isSteps
        ? `${p.name}: done in ${s.toFixed(1)} s`
        : `${p.name}: ${fmt(p.done)} ${unit} in ${s.toFixed(1)} s (${fmt(rate)} ${unit}/s)`;
    }
    const pct = counted ? Math.min(100, (p.done / p.total!) * 100) : null;
    const left = counted && rate > 0 ? (p.total! - p.done) / rate : null;
    const parts = [
      `${p.name}:`,
      countText,
      pct === null ? null : `(${pct.toFixed(0)}%)`,
      isSteps ? null : `${fmt(rate)} ${unit}/s`,
      left === null || isSteps ? null : `${left.toFixed(0)} s left`,
      p.note ?? null,
    ].filter((x) => x !== null);
    if (!tty || pct === null) return parts.join(' ');
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    return `${parts[0]} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${parts.slice(1).join(' ')}`;
  }

  function draw(final: boolean) {
    if (!current) return;
    const text = line(final);
    if (tty) {
      const cols = out.columns ?? 100;
      out.write(`\r\x1b[2K${text.slice(0, cols - 1)}${final ? '\n' : ''}`);
    } else out.write(`${text}\n`);
    current.shown = clock();
  }

  return {
    phase(name, total) {
      if (current) draw(true);
      current = { name, total, done: 0, start: clock(), shown: clock() };
      if (tty) draw(false);
    },
    update(done, note) {
      if (!current) return;
      current.done = done;
      current.note = note;
      if (clock() - current.shown >= every) draw(false);
    },
    end() {
      if (!current) return;
      draw(true);
      current = null;
    },
  };
}

/** Progress that goes nowhere. */
export const noProgress: ReplayProgress = { phase() {}, update() {}, end() {} };
