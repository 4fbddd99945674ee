import { connect, type Socket } from 'node:net';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export interface DbOptions {
  /** Pool size. */
  max?: number;
  applicationName?: string;
  /**
   * Schemas that unqualified table names resolve to, sent as a startup parameter so every
   * connection of the pool has it: the replay of the log into a scratch schema uses it to
   * run the ordinary projection code against that schema's tables.
   */
  searchPath?: string;
  /** Settings of every connection of the pool, sent as startup parameters. */
  settings?: Record<string, string>;
  /** Called with the text of every statement sent (postgres-js's `debug` hook). */
  onQuery?: (text: string) => void;
}

interface SocketOptions {
  host: string[];
  port: number[];
  path?: string;
}

/**
 * postgres-js opens plain sockets with Nagle's algorithm on; a COPY's last small message then
 * waits for a delayed ACK (~40 ms). Our own connect with `noDelay` avoids that stall.
 */
function noDelaySocket(o: SocketOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = o.path
      ? connect({ path: o.path })
      : connect({ host: o.host[0], port: o.port[0] ?? 5432, noDelay: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/**
 * A postgres-js pool and a drizzle instance over it. Stream sequences and epoch-ms times
 * are bigint columns that stay far below 2^53, so they are read as JavaScript numbers.
 */
export function createDb(url: string, options: DbOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    ...(options.onQuery ? { debug: (_: number, text: string) => options.onQuery!(text) } : {}),
    // not in the published types, but documented in postgres-js's connection code
    ...({ socket: noDelaySocket } as object),
    connection: {
      application_name: options.applicationName ?? 'im-hub',
      ...(options.searchPath ? { search_path: options.searchPath } : {}),
      ...options.settings,
    },
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (v: number | bigint) => String(v),
        parse: (v: string) => Number(v),
      },
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
/** What reads can run on: the pool (outside any transaction) or a transaction. */
export type Queryable = import('postgres').ISql<{ bigint: number }>;
