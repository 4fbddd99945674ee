import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createDb, type Db } from '../src/db/client.js';
import { ensureDatabase, runMigrations } from '../src/db/migrate.js';
import type { Publisher } from '../src/log/publisher.js';
import { searchIndex } from '../src/search/tokenizer.js';

export { copyValue } from '../src/db/bulk.js';

/** The Postgres server and NATS the benchmarks use (same defaults as the tests). */
export const PG_URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.TEST_NATS_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export const suffix = () => randomBytes(4).toString('hex');

export async function freshDatabase(label: string): Promise<Db & { url: string; drop(): Promise<void> }> {
  const u = new URL(PG_URL);
  const name = `bench_${label}_${suffix()}`;
  u.pathname = `/${name}`;
  await ensureDatabase(u.toString());
  const db = createDb(u.toString(), { max: 8 });
  await runMigrations(db.db);
  return {
    ...db,
    url: u.toString(),
    async drop() {
      await db.close();
      const admin = createDb(PG_URL, { max: 1 });
      await admin.sql.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.close();
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A one-line progress report on stderr, rewritten in place. */
export function progress(label: string, done: number, total: number) {
  process.stderr.write(`\r  ${label}: ${fmt(done)}/${fmt(total)} (${((done / total) * 100).toFixed(0)}%)   `);
  if (done >= total) process.stderr.write('\n');
}

/** The next `n` values of an iterator (fewer at its end). */
export function take<T>(source: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let next = source.next(); !next.done; next = source.next()) {
    out.push(next.value);
    if (out.length >= n) break;
  }
  return out;
}

/**
 * Publishes the first `n` events of `source` in chunks of 10,000 (1,024 in flight), with
 * progress; returns the time it took and the mix of event types, most frequent first.
 */
export async function publishAll(
  publisher: Publisher,
  source: Iterator<{ type: string }>,
  n: number,
): Promise<{ seconds: number; types: number; mix: string }> {
  const kinds: Record<string, number> = {};
  const t = performance.now();
  for (let done = 0; done < n; ) {
    const chunk = take(source, Math.min(10_000, n - done));
    if (chunk.length === 0) break;
    for (const e of chunk) kinds[e.type] = (kinds[e.type] ?? 0) + 1;
    await publisher.publishMany(chunk, 1024);
    done += chunk.length;
    progress('publish', done, n);
  }
  const mix = Object.entries(kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, count]) => `${k} ${fmt((count / n) * 100, 1)}%`)
    .join(', ');
  return { seconds: (performance.now() - t) / 1000, types: Object.keys(kinds).length, mix };
}

/** A message row's search columns, as the projection writes them. */
export function indexed(content: string): { search: string; searchKeys: string[] } {
  const { vector, keys } = searchIndex(content);
  return { search: vector, searchKeys: keys };
}
