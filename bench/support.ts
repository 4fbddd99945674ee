import { randomBytes } from 'node:crypto';
import { createDb, type Db } from '../src/db/client.js';
import { ensureDatabase, runMigrations } from '../src/db/migrate.js';

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
