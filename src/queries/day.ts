const formats = new Map<string, Intl.DateTimeFormat>();

/** A formatter of wall-clock time in `tz`; throws `RangeError` for a zone Intl does not know. */
function formatIn(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(tz, f);
  }
  return f;
}

/** True when `tz` is a time zone this runtime knows (an IANA name such as `Asia/Shanghai`, or `UTC`). */
export function isTimeZone(tz: string): boolean {
  try {
    formatIn(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `tz` at instant `ms`, read as if it were UTC. */
function wallClock(ms: number, tz: string): number {
  const p = Object.fromEntries(
    formatIn(tz)
      .formatToParts(ms)
      .map((x) => [x.type, Number(x.value)]),
  );
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/**
 * The first instant (epoch ms) of the calendar day that contains `now` in time zone `tz`:
 * local midnight, found from the zone's offset at midnight (which may differ from the offset
 * at `now` on a day the clocks change).
 *
 * @example startOfDay(Date.UTC(2025, 9, 22, 20), 'Asia/Shanghai') // Date.UTC(2025, 9, 22, 16): 23 Oct 00:00 in Shanghai
 */
export function startOfDay(now: number, tz: string): number {
  const second = now - (((now % 1000) + 1000) % 1000);
  const wall = wallClock(second, tz);
  const midnight = wall - (((wall % 86_400_000) + 86_400_000) % 86_400_000);
  const guess = midnight - (wall - second);
  return midnight - (wallClock(guess, tz) - guess);
}
