/**
 * A token bucket per key, in this process: `rps` requests a second on average, up to `burst`
 * at once. Several processes each keep their own buckets.
 */
export interface RateLimiter {
  /** Takes one token for `key`: 0 when there was one, else the seconds until there is. */
  take(key: string): number;
}

export function createRateLimiter(o: { rps: number; burst: number; clock?: () => number }): RateLimiter {
  const clock = o.clock ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const fullAfterMs = (o.burst / o.rps) * 1000;
  return {
    take(key) {
      const now = clock();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= 100_000) {
          // forget the buckets that have refilled: they hold nothing a new one would not
          for (const [k, v] of buckets) if (now - v.at >= fullAfterMs) buckets.delete(k);
        }
        b = { tokens: o.burst, at: now };
        buckets.set(key, b);
      }
      b.tokens = Math.min(o.burst, b.tokens + ((now - b.at) / 1000) * o.rps);
      b.at = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / o.rps));
    },
  };
}
