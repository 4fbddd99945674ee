import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export interface DbOptions {
  /** Pool size. */
  max?: number;
  applicationName?: string;
}

/**
 * A postgres-js pool and a drizzle instance over it. Stream sequences and epoch-ms times
 * are bigint columns that stay far below 2^53, so they are read as JavaScript numbers.
 */
export function createDb(url: string, options: DbOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'im-hub' },
    types: {
      bigint: { to: 20, from: [20], serialize: (v: number | bigint) => String(v), parse: (v: string) => Number(v) },
    },
  });
  const db = drizzle(sql, { schema });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
export type Db = ReturnType<typeof createDb>;
export type Sql = Db['sql'];
export type Drizzle = Db['db'];
/** A transaction on the pool from `createDb`. */
export type Tx = import('postgres').TransactionSql<{ bigint: number }>;
