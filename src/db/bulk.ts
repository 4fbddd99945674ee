import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import type { Queryable, Tx } from './client.js';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ELEMENT_ESCAPE = /[\\"]/;

/** A Postgres array literal of text values. */
function arrayLiteral(values: readonly unknown[]): string {
  if (values.length === 0) return '{}';
  let plain = true; // strings with nothing to escape, the usual case: one join
  for (let i = 0; i < values.length && plain; i++) {
    const v = values[i];
    plain = typeof v === 'string' && !v.includes('"') && !v.includes('\\');
  }
  if (plain) return `{"${values.join('","')}"}`;
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const s = String(values[i]);
    out += ELEMENT_ESCAPE.test(s) ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${s}"`;
  }
  return `${out}}`;
}

/** COPY text-format form of one value. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return copyValue(arrayLiteral(v));
  const s = String(v);
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const NO_COLUMNS: readonly string[] = [];

/** The size of the buffers COPY data is written in. */
const COPY_CHUNK_BYTES = 256 * 1024;

/** From this many rows on, `insert` uses COPY: faster in bulk, but a statement of its own. */
export const COPY_MIN_ROWS = 200;

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
  /** The columns `changed` compares, for each `omit` list it was given (callers pass constants). */
  const comparedFor = new WeakMap<readonly string[], (readonly [string, string])[]>();

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
  /**
   * The rows as COPY text, each row's line UTF-8 encoded straight into buffers of about
   * `COPY_CHUNK_BYTES`: no string of a whole chunk is built, then converted.
   */
  function* chunks(rows: readonly Row[]): Generator<Buffer> {
    let buf = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let at = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as Record<string, unknown>;
      let line = copyValue(r[keys[0]!]);
      for (let k = 1; k < keys.length; k++) line += `\t${copyValue(r[keys[k]!])}`;
      line += '\n';
      const most = line.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
      if (at + most > buf.length) {
        if (at > 0) yield buf.subarray(0, at);
        buf = Buffer.allocUnsafe(Math.max(COPY_CHUNK_BYTES, most));
        at = 0;
      }
      at += buf.write(line, at);
    }
    if (at > 0) yield buf.subarray(0, at);
  }

  return {
    name,
    fromDb,
    /** The select list of every column but `omit`. */
    columns(omit: readonly string[] = []): string {
      if (omit.length === 0) return '*';
      return pairs
        .map(([, col]) => col)
        .filter((col) => !omit.includes(col))
        .map((col) => `"${col}"`)
        .join(', ');
    },
    /** Rows whose `column` is one of `values`, without the `omit` columns (left undefined), read on a transaction or the pool. */
    async load(
      q: Queryable,
      column: string,
      values: readonly string[],
      omit: readonly string[] = [],
    ): Promise<Row[]> {
      if (values.length === 0) return [];
      const rows = await q.unsafe(
        `select ${this.columns(omit)} from "${name}" where "${column}" = any($1::text[])`,
        [values as string[]],
        { prepare: true },
      );
      return rows.map(fromDb);
    },
    /** Inserts new rows with COPY, the fastest way in; fails on an existing key. */
    async copyIn(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      const sink = await tx.unsafe(`copy "${name}" (${columnList}) from stdin`).writable();
      await writeCopy(sink, chunks(rows), name, tx);
    },
    /**
     * Inserts new rows; fails on an existing key. Many rows go by COPY (`copyIn`); a few by one
     * prepared INSERT, which can share a round trip with other statements (pipelined).
     */
    insert(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length >= COPY_MIN_ROWS) return this.copyIn(tx, rows);
      if (rows.length === 0) return Promise.resolve();
      return tx
        .unsafe(
          `insert into "${name}" select * from json_populate_recordset(null::"${name}", $1::json)`,
          [json(rows)],
          {
            prepare: true,
          },
        )
        .then(() => {});
    },
    /**
     * Replaces existing rows, matched by key, in one statement. With `only` (column names),
     * sets those columns alone: the others keep their stored values and are not even sent.
     */
    async update(tx: Tx, rows: readonly Row[], only?: readonly string[]): Promise<void> {
      if (rows.length === 0) return;
      if (!only) {
        await tx.unsafe(
          `update "${name}" t set ${updateSet} from json_populate_recordset(null::"${name}", $1::json) x where ${updateWhere}`,
          [json(rows)],
          { prepare: true },
        );
        return;
      }
      if (only.length === 0) return;
      const sent = pairs.filter(([, col]) => keyColumns.includes(col) || only.includes(col));
      const set = only.map((col) => `"${col}" = x."${col}"`).join(', ');
      const payload = rows.map((row) => {
        const out: Record<string, unknown> = {};
        for (const [key, col] of sent) out[col] = (row as Record<string, unknown>)[key];
        return out;
      });
      await tx.unsafe(
        `update "${name}" t set ${set} from json_populate_recordset(null::"${name}", $1::json) x where ${updateWhere}`,
        [JSON.stringify(payload)],
        { prepare: true },
      );
    },
    /**
     * The columns (by name, in table order) whose values differ between two versions of a row,
     * key columns and `omit` left out. Values compare by identity: for rows of scalars.
     */
    changed(before: Row, after: Row, omit: readonly string[] = NO_COLUMNS): string[] {
      let compared = comparedFor.get(omit);
      if (!compared) {
        compared = pairs.filter(([, col]) => !keyColumns.includes(col) && !omit.includes(col));
        comparedFor.set(omit, compared);
      }
      const out: string[] = [];
      for (const [key, col] of compared) {
        if ((before as Record<string, unknown>)[key] !== (after as Record<string, unknown>)[key])
          out.push(col);
      }
      return out;
    },
    /** Inserts or fully replaces the rows in one statement (the table's own row type parses them). */
    async upsert(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      await tx.unsafe(
        `insert into "${name}" select * from json_populate_recordset(null::"${name}", $1::json)
         on conflict (${conflict}) do update set ${upsertSet}`,
        [json(rows)],
        { prepare: true },
      );
    },
    /** Inserts the rows, leaving existing ones as they are. */
    async insertNew(tx: Tx, rows: readonly Row[]): Promise<void> {
      if (rows.length === 0) return;
      await tx.unsafe(
        `insert into "${name}" select * from json_populate_recordset(null::"${name}", $1::json)
         on conflict (${conflict}) do nothing`,
        [json(rows)],
        { prepare: true },
      );
    },
  };
}

/**
 * Streams COPY data and waits for the server's verdict. postgres-js never finishes a COPY
 * stream that the server rejects (a duplicate key, say): the stream would wait forever. So
 * once the data is sent, a `select 1` on the same transaction stands as a barrier: it fails
 * at once if the COPY failed (the transaction is aborted), and otherwise answers after it.
 */
async function writeCopy(sink: Writable, chunks: Iterable<Buffer>, table: string, tx: Tx): Promise<void> {
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => {
    markSent = resolve;
  });
  const internal = sink as Writable & { _final: (cb: (e?: Error | null) => void) => void };
  const final = internal._final;
  internal._final = function (this: Writable, cb) {
    final.call(this, cb);
    markSent();
  };
  // An error the server sends while data is still flowing destroys the stream instead.
  const failed = new Promise<never>((_, reject) => sink.once('error', reject));
  const finished = once(sink, 'finish');
  failed.catch(() => {});
  finished.catch(() => {});
  const orFail = <T>(p: Promise<T>) => Promise.race([p, failed]);
  try {
    for (const chunk of chunks) {
      if (sink.destroyed) break;
      if (!sink.write(chunk)) await orFail(once(sink, 'drain'));
    }
    if (!sink.destroyed) sink.end();
    await orFail(sent);
    await Promise.race([finished, tx`select 1`.then(() => finished)]);
  } catch (e) {
    throw new Error(`COPY into ${table} failed and aborted the transaction: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
