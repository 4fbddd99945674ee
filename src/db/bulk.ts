import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import type { Tx } from './client.js';

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A Postgres array literal of text values. */
function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((x) => `"${String(x).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** COPY text-format form of one value. */
function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return copyValue(arrayLiteral(v));
  const s = String(v);
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * Maps between a drizzle table's property names (camelCase, as the code uses them) and its
 * column names, and moves whole batches of rows in one statement each.
 */
export function rowCodec<T extends Table>(table: T, keyColumns: readonly string[]) {
  type Row = T['$inferSelect'];
  const name = getTableName(table);
  const pairs = Object.entries(getTableColumns(table)).map(([key, col]) => [key, col.name] as const);
  const keys = pairs.map(([key]) => key);
  const columnList = pairs.map(([, col]) => `"${col}"`).join(', ');
  const nonKey = pairs.map(([, col]) => col).filter((col) => !keyColumns.includes(col));
  const conflict = keyColumns.map((c) => `"${c}"`).join(', ');
  const upsertSet = nonKey.map((col) => `"${col}" = excluded."${col}"`).join(', ');
  const updateSet = nonKey.map((col) => `"${col}" = x."${col}"`).join(', ');
  const updateWhere = keyColumns.map((c) => `t."${c}" = x."${c}"`).join(' and ');

  function toDb(row: Row): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, col] of pairs) out[col] = (row as Record<string, unknown>)[key];
    return out;
  }
  function fromDb(r: Record<string, unknown>): Row {
    const out: Record<string, unknown> = {};
    for (const [key, col] of pairs) out[key] = r[col];
    return out as Row;
  }
  const json = (rows: readonly Row[]) => JSON.stringify(rows.map(toDb));

  return {
    name,
    fromDb,
    /** Rows whose `column` is one of `values`. */
    async load(tx: Tx, column: string, values: readonly string[]): Promise<Row[]> {
      if (values.length === 0) return [];
      const rows = await tx.unsafe(`select * from "${name}" where "${column}" = any($1::text[])`, [
        values as string[],
      ]);
      return rows.map(fromDb);
    },
    /** Inserts new rows with COPY, the fastest way in; fails on an existing key. */
    async copyIn(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      const sink = await tx.unsafe(`copy "${name}" (${columnList}) from stdin`).writable();
      async function* lines() {
        for (let i = 0; i < rows.length; i += 500) {
          let chunk = '';
          for (const row of rows.slice(i, i + 500)) {
            const r = row as Record<string, unknown>;
            chunk += `${keys.map((k) => copyValue(r[k])).join('\t')}\n`;
          }
          yield chunk;
        }
      }
      await pipeline(Readable.from(lines()), sink);
    },
    /** Replaces existing rows, matched by key, in one statement. */
    async update(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      await tx.unsafe(
        `update "${name}" t set ${updateSet} from json_populate_recordset(null::"${name}", $1::json) x where ${updateWhere}`,
        [json(rows)],
      );
    },
    /** Inserts or fully replaces the rows in one statement (the table's own row type parses them). */
    async upsert(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      await tx.unsafe(
        `insert into "${name}" select * from json_populate_recordset(null::"${name}", $1::json)
         on conflict (${conflict}) do update set ${upsertSet}`,
        [json(rows)],
      );
    },
    /** Inserts the rows, leaving existing ones as they are. */
    async insertNew(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      await tx.unsafe(
        `insert into "${name}" select * from json_populate_recordset(null::"${name}", $1::json)
         on conflict (${conflict}) do nothing`,
        [json(rows)],
      );
    },
  };
}
