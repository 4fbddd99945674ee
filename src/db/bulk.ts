import type { Tx } from './client.js';
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';

/**
 * Maps between a drizzle table's property names (camelCase, as the code uses them) and its
 * column names, and moves whole batches of rows in one statement each.
 */
export function rowCodec<T extends Table>(table: T, conflictColumns: readonly string[]) {
  type Row = T['$inferSelect'];
  const name = getTableName(table);
  const pairs = Object.entries(getTableColumns(table)).map(([key, col]) => [key, col.name] as const);
  const update = pairs
    .map(([, col]) => col)
    .filter((col) => !conflictColumns.includes(col))
    .map((col) => `"${col}" = excluded."${col}"`)
    .join(', ');
  const conflict = conflictColumns.map((c) => `"${c}"`).join(', ');

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

  return {
    name,
    fromDb,
    /** Rows whose `column` is one of `keys`. */
    async load(tx: Tx, column: string, keys: readonly string[]): Promise<Row[]> {
      if (keys.length === 0) return [];
      const rows = await tx.unsafe(`select * from "${name}" where "${column}" = any($1::text[])`, [keys as string[]]);
      return rows.map(fromDb);
    },
    /** Inserts or fully replaces the rows in one statement (the table's own row type parses them). */
    async upsert(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      await tx.unsafe(
        `insert into "${name}" select * from json_populate_recordset(null::"${name}", $1::json)
         on conflict (${conflict}) do update set ${update}`,
        [JSON.stringify(rows.map(toDb))],
      );
    },
    /** Inserts the rows, leaving existing ones as they are. */
    async insertNew(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      await tx.unsafe(
        `insert into "${name}" select * from json_populate_recordset(null::"${name}", $1::json)
         on conflict (${conflict}) do nothing`,
        [JSON.stringify(rows.map(toDb))],
      );
    },
  };
}
