import { randomBytes } from 'node:crypto';
import type { ReservedSql } from 'postgres';
import { READ_MODEL_TABLES } from '../db/checksum.js';
import type { Sql, Tx } from '../db/client.js';

/**
 * Scratch schemas: copies of the read-model tables, empty, that a replay of the log fills.
 *
 * Their tables are copied from the live ones in `public` (`like … including all`, then the
 * same constraints and indexes under the same names), not made by running the migrations
 * again: whatever the migrations made of `public` is what the copy has, column order
 * included, and the copy depends on nothing in its own schema, so it can move to `public`
 * and its schema can be dropped. Bookkeeping tables (`projector_checkpoints`, anything not in
 * `READ_MODEL_TABLES`) are never swapped; each scratch schema has a `projector_checkpoints`
 * of its own for its replay.
 */

/** Every table a scratch schema holds: the read models, and its replay's checkpoint. */
export const SCRATCH_TABLES = [...Object.keys(READ_MODEL_TABLES), 'projector_checkpoints'] as const;

export type ScratchKind = 'rebuild' | 'verify' | 'retired';
const PREFIX = 'imhub_';

/** A new schema name for this kind of scratch: `imhub_rebuild_<time>_<random>`. */
export function scratchSchemaName(kind: ScratchKind): string {
  return `${PREFIX}${kind}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lockKey = (schema: string) => `im-hub scratch schema ${schema}`;

/** An index to build once the replay has loaded the rows. */
export interface DeferredIndex {
  table: string;
  name: string;
  /** Its `create index` statement, on the scratch schema's table. */
  sql: string;
}

export interface ScratchSchema {
  name: string;
  /** Secondary indexes left out for the load: `finishScratchSchema` builds them. */
  deferred: DeferredIndex[];
  /** Tables created unlogged: `finishScratchSchema` makes them logged. */
  unlogged: boolean;
  /** Drops the schema and everything in it; safe to call twice. */
  drop(): Promise<void>;
}

export interface CreateScratchOptions {
  /**
   * Secondary indexes the projection reads by while it loads: built at once. The others are
   * built after the load (far cheaper than maintaining them row by row).
   */
  loadIndexes: readonly string[];
  /** Create the tables unlogged: no WAL during the load. */
  unlogged: boolean;
}

/**
 * Creates a scratch schema with empty copies of the read-model tables and a
 * `projector_checkpoints` table. The schema is claimed by a session-level advisory lock on a
 * connection of its own for as long as it exists, so `dropAbandonedSchemas` can tell a
 * schema left by a crashed run from one in use.
 */
export async function createScratchSchema(
  sql: Sql,
  kind: ScratchKind,
  options: CreateScratchOptions,
): Promise<ScratchSchema> {
  const name = scratchSchemaName(kind);
  const claim = await sql.reserve();
  let dropped = false;
  try {
    await claim`select pg_advisory_lock(hashtextextended(${lockKey(name)}, 0))`;
    const deferred = await sql.begin(async (tx) => {
      await tx.unsafe(`create schema ${ident(name)}`);
      const later: DeferredIndex[] = [];
      for (const table of SCRATCH_TABLES) later.push(...(await copyTable(tx, table, name, options)));
      return later;
    });
    return {
      name,
      deferred,
      unlogged: options.unlogged,
      async drop() {
        if (dropped) return;
        dropped = true;
        try {
          await sql.unsafe(`drop schema if exists ${ident(name)} cascade`);
        } finally {
          await releaseClaim(claim, name);
        }
      },
    };
  } catch (e) {
    await sql.unsafe(`drop schema if exists ${ident(name)} cascade`).catch(() => {});
    await releaseClaim(claim, name);
    throw e;
  }
}

async function releaseClaim(claim: ReservedSql, name: string) {
  await claim`select pg_advisory_unlock(hashtextextended(${lockKey(name)}, 0))`.catch(() => {});
  claim.release();
}

/** One table of `public` copied, empty, into `schema`: columns, constraints, indexes, grants. */
async function copyTable(
  tx: Tx,
  table: string,
  schema: string,
  options: CreateScratchOptions,
): Promise<DeferredIndex[]> {
  const source = `public.${ident(table)}`;
  const target = `${ident(schema)}.${ident(table)}`;
  const logged = options.unlogged ? 'unlogged ' : '';
  await tx.unsafe(`create ${logged}table ${target} (like ${source} including all excluding indexes)`);
  // what `like` leaves behind: each column's statistics target
  const targets = await tx<{ column: string; target: number }[]>`
    select attname as column, attstattarget as target from pg_attribute
    where attrelid = ${source}::regclass and attnum > 0 and not attisdropped and attstattarget >= 0
    order by attnum`;
  for (const c of targets) {
    await tx.unsafe(`alter table ${target} alter column ${ident(c.column)} set statistics ${c.target}`);
  }
  const constraints = await tx<{ name: string; type: string; def: string }[]>`
    select conname as name, contype as type, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = ${source}::regclass and contype in ('p', 'u', 'x', 'f') order by conname`;
  for (const c of constraints) {
    if (c.type === 'f') {
      throw new Error(
        `read model ${table} has a foreign key (${c.name}); a scratch copy cannot keep it pointing into its own schema`,
      );
    }
    await tx.unsafe(`alter table ${target} add constraint ${ident(c.name)} ${c.def}`);
  }
  const indexes = await tx<{ name: string; def: string }[]>`
    select c.relname as name, pg_get_indexdef(i.indexrelid) as def
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = ${source}::regclass
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid)
    order by c.relname`;
  const deferred: DeferredIndex[] = [];
  for (const ix of indexes) {
    const def = onSchema(ix.def, schema);
    if (options.loadIndexes.includes(ix.name)) await tx.unsafe(def);
    else deferred.push({ table, name: ix.name, sql: def });
  }
  const grants = await tx<{ privilege: string; grantee: string }[]>`
    select a.privilege_type as privilege,
      case when a.grantee = 0 then 'public' else quote_ident(r.rolname) end as grantee
    from pg_class c cross join lateral aclexplode(c.relacl) a left join pg_roles r on r.oid = a.grantee
    where c.oid = ${source}::regclass and a.grantee <> c.relowner`;
  for (const g of grants) await tx.unsafe(`grant ${g.privilege} on ${target} to ${g.grantee}`);
  return deferred;
}

/** `create index … on public.t …` as the same index on `schema.t`. */
function onSchema(indexDef: string, schema: string): string {
  const moved = indexDef.replace(/ ON (ONLY )?public\./, ` ON $1${ident(schema)}.`);
  if (moved === indexDef) throw new Error(`cannot place index on schema ${schema}: ${indexDef}`);
  return moved;
}

/**
 * After the load: tables made logged (when they were not), the deferred indexes built, and
 * statistics gathered, so that the first queries after the switch are planned well. The work
 * runs on `parallel` connections at once (an index build uses one core, a GIN index's always);
 * the biggest first. `maintenanceWorkMem` is what each build may use.
 */
export async function finishScratchSchema(
  sql: Sql,
  schema: ScratchSchema,
  options: { maintenanceWorkMem?: string; parallel?: number; onStep?: (step: string) => void } = {},
): Promise<void> {
  const step = options.onStep ?? (() => {});
  const mem = (options.maintenanceWorkMem ?? '256MB').replace(/'/g, '');
  const on = (table: string) => `${ident(schema.name)}.${ident(table)}`;
  const tables = await sql<{ table: string }[]>`
    select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema.name} and c.relkind = 'r' order by pg_table_size(c.oid) desc`;
  /** Runs the jobs on `parallel` connections; a job's statements in order, on one. */
  const run = (jobs: { name: string; statements: string[]; mem?: boolean }[]) =>
    inParallel(options.parallel ?? 2, jobs, async (job) => {
      step(job.name);
      await sql.begin(async (tx) => {
        if (job.mem) await tx.unsafe(`set local maintenance_work_mem = '${mem}'`);
        for (const statement of job.statements) await tx.unsafe(statement);
      });
    });
  if (schema.unlogged) {
    await run(
      tables.map(({ table }) => ({
        name: `set logged ${table}`,
        statements: [`alter table ${on(table)} set logged`],
      })),
    );
  }
  // GIN builds first: they cannot be split over cores, the b-trees around them can
  const deferred = [...schema.deferred].sort(
    (a, b) => Number(/ USING gin /i.test(b.sql)) - Number(/ USING gin /i.test(a.sql)),
  );
  await run(deferred.map((ix) => ({ name: `index ${ix.name}`, statements: [ix.sql], mem: true })));
  schema.deferred = [];
  const analyses = await analyzeStatements(
    sql,
    schema.name,
    tables.map((t) => t.table),
  );
  await run(analyses.map(({ table, statements }) => ({ name: `analyze ${table}`, statements })));
}

/**
 * `analyze` of each table, in one statement per statistics target: a plain `analyze` samples
 * as many rows for every column as the largest target asks (300 a unit), so one column at 1000
 * (the message search keys) would have every column's statistics computed over 300,000 rows.
 * Each column gets the statistics its own target asks for, as from a plain `analyze` (for
 * 1,000,000 events: 0.4 s for the other columns, 2.6 s for the keys, against 5.7 s at once).
 * A table with an expression index or extended statistics gets a plain `analyze`: an
 * `analyze` of some columns leaves those out.
 */
async function analyzeStatements(sql: Sql, schema: string, tables: string[]) {
  const columns = await sql<{ table: string; column: string; target: number; whole: boolean }[]>`
    select c.relname as table, a.attname as column, a.attstattarget as target,
      exists (select 1 from pg_index i where i.indrelid = c.oid and i.indexprs is not null)
        or exists (select 1 from pg_statistic_ext x where x.stxrelid = c.oid) as whole
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relname = any(${tables}::text[]) and a.attnum > 0 and not a.attisdropped
    order by a.attnum`;
  return tables.map((table) => {
    const own = columns.filter((c) => c.table === table);
    const on = `${ident(schema)}.${ident(table)}`;
    if (own.every((c) => c.target < 0) || own.some((c) => c.whole)) {
      return { table, statements: [`analyze ${on}`] };
    }
    const byTarget = new Map<number, string[]>();
    for (const c of own) {
      if (c.target === 0) continue; // no statistics for it
      byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), ident(c.column)]);
    }
    return { table, statements: [...byTarget.values()].map((cols) => `analyze ${on} (${cols.join(', ')})`) };
  });
}

/** Runs `work` over `items`, at most `width` at a time, in order of start. */
async function inParallel<T>(width: number, items: readonly T[], work: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, lane));
}

/**
 * How the scratch copy differs from the live tables in anything a query could notice: columns
 * (name, type, nullability, default, order) and indexes (name and definition). Empty when
 * they are the same.
 */
export async function structureDifferences(sql: Sql, schema: string): Promise<string[]> {
  const shape = (ns: string) => sql<{ table: string; what: string }[]>`
    select c.relname as table,
      'column ' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
        || case when a.attnotnull then ' not null' else '' end
        || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
        || case when a.attcollation <> 0 then ' collate ' || a.attcollation::regcollation::text else '' end
        || case when a.attstattarget >= 0 then ' statistics ' || a.attstattarget else '' end as what
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
    where n.nspname = ${ns} and c.relname = any(${[...Object.keys(READ_MODEL_TABLES)]}::text[])
    union all
    select t.relname, 'index ' || replace(pg_get_indexdef(i.indexrelid), ' ON ' || quote_ident(${ns}) || '.', ' ON ')
    from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = ${ns} and t.relname = any(${[...Object.keys(READ_MODEL_TABLES)]}::text[])`;
  const [live, copy] = await Promise.all([shape('public'), shape(schema)]);
  const key = (r: { table: string; what: string }) => `${r.table}: ${r.what}`;
  const a = new Set(live.map(key));
  const b = new Set(copy.map(key));
  return [
    ...[...a].filter((x) => !b.has(x)).map((x) => `only live ${x}`),
    ...[...b].filter((x) => !a.has(x)).map((x) => `only rebuilt ${x}`),
  ].sort();
}

/**
 * Drops scratch schemas that no running process claims: left by a run that crashed or was
 * killed. Returns their names.
 */
export async function dropAbandonedSchemas(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select nspname as name from pg_namespace where nspname like ${`${PREFIX}%`} order by nspname`;
  const dropped: string[] = [];
  for (const { name } of rows) {
    const conn = await sql.reserve();
    try {
      const [row] = await conn<{ ok: boolean }[]>`
        select pg_try_advisory_lock(hashtextextended(${lockKey(name)}, 0)) as ok`;
      if (!row?.ok) continue;
      try {
        await conn.unsafe(`drop schema if exists ${ident(name)} cascade`);
        dropped.push(name);
      } finally {
        await conn`select pg_advisory_unlock(hashtextextended(${lockKey(name)}, 0))`;
      }
    } finally {
      conn.release();
    }
  }
  return dropped;
}

export { ident as quoteIdent };
