import {
  checksumReadModels,
  keyColumns,
  READ_MODEL_TABLES,
  type ReadModelTable,
  type TableChecksum,
} from '../db/checksum.js';
import { createDb, type Sql, type Tx } from '../db/client.js';
import type { Subjects } from '../log/subjects.js';
import { LOAD_INDEXES } from '../projections/read-models.projection.js';
import type { ReplayProgress } from './progress.js';
import { BULK_REPLAY_SETTINGS, replayBulk } from './replay.js';
import { createScratchSchema, dropAbandonedSchemas, quoteIdent, type ScratchSchema } from './schema.js';

export interface VerifyDeps {
  /** The live database (search_path `public`). */
  sql: Sql;
  databaseUrl: string;
  /** For the thread that reads the log during a replay. */
  natsUrl: string;
  stream: string;
  subjects: Subjects;
  /** The live projector's checkpoint name. */
  projector: string;
  /** The audit chain's checkpoint interval (`AUDIT_CHECKPOINT_EVERY`), as the live projector keeps it. */
  chainCheckpointEvery?: number;
  progress?: ReplayProgress;
}

export interface VerifyOptions {
  batchSize?: number;
  /** How many differing rows to describe per table. */
  examples?: number;
  /** See `RebuildOptions.heldRows`. */
  heldRows?: number;
}

export type RowDifferenceKind = 'changed' | 'only_live' | 'only_replayed';

/** One row that differs, by key: the columns whose values differ, live and as replayed. */
export interface RowDifference {
  key: Record<string, unknown>;
  kind: RowDifferenceKind;
  columns: { column: string; live: unknown; replayed: unknown }[];
}

export interface TableComparison {
  table: string;
  live: TableChecksum;
  replayed: TableChecksum;
  same: boolean;
  /** Rows that differ (0 when same), and the first few of them in key order. */
  differingRows: number;
  examples: RowDifference[];
}

export interface VerifyReport {
  /** The checkpoint the live read models were read at; the log was replayed up to it. */
  seq: number;
  tables: TableComparison[];
  same: boolean;
  seconds: { replay: number; compare: number; total: number };
}

const now = () => performance.now();

/**
 * Replays the log into a scratch schema and compares every read model with the live one.
 *
 * The live side is read in one REPEATABLE READ transaction opened first: its checkpoint and
 * every table as of one instant, while the live projector goes on undisturbed. The log is
 * replayed up to exactly that checkpoint, then the two are compared table by table (row count
 * and checksum), and for a table that differs the rows that differ are found by key: the
 * replayed rows' hashes are copied into a temporary table of the live transaction (which
 * cannot see rows committed after it began) and joined with the live rows there.
 */
export async function verifyReadModels(deps: VerifyDeps, o: VerifyOptions = {}): Promise<VerifyReport> {
  const { sql, stream, subjects, projector } = deps;
  const progress = deps.progress;
  const started = now();
  let schema: ScratchSchema | null = null;
  let scratch: ReturnType<typeof createDb> | null = null;
  let replayer: ReturnType<typeof createDb> | null = null;
  try {
    await dropAbandonedSchemas(sql);
    schema = await createScratchSchema(sql, 'verify', { loadIndexes: LOAD_INDEXES, unlogged: true });
    const s = schema;
    // the replay's connections plan as for tables without statistics; the checksums' do not
    const replay = createDb(deps.databaseUrl, {
      max: 3,
      searchPath: s.name,
      applicationName: 'im-hub verify',
      settings: BULK_REPLAY_SETTINGS,
    });
    replayer = replay;
    const pool = createDb(deps.databaseUrl, { max: 1, searchPath: s.name, applicationName: 'im-hub verify' });
    scratch = pool;
    return await sql.begin('isolation level repeatable read', async (live) => {
      const [row] = await live<{ last_seq: number }[]>`
        select last_seq from projector_checkpoints where projector = ${projector}`;
      const seq = row?.last_seq ?? 0;
      progress?.phase('checksum live', 1);
      const liveSums = await checksumReadModels(live, 'public');
      progress?.end();

      let t = now();
      progress?.phase('replay', seq);
      await replayBulk(
        {
          sql: replay.sql,
          natsUrl: deps.natsUrl,
          stream,
          subjects,
          chainCheckpointEvery: deps.chainCheckpointEvery,
        },
        {
          checkpoint: projector,
          toSeq: seq,
          batchSize: o.batchSize,
          heldRows: o.heldRows,
          onProgress: (at) => progress?.update(at),
        },
      );
      progress?.end();
      const replayS = (now() - t) / 1000;

      t = now();
      progress?.phase('compare', Object.keys(READ_MODEL_TABLES).length);
      const replayedSums = await checksumReadModels(pool.sql, s.name);
      const tables: TableComparison[] = [];
      for (const [i, liveSum] of liveSums.entries()) {
        const replayed = replayedSums[i]!;
        const same = liveSum.rows === replayed.rows && liveSum.md5 === replayed.md5;
        const table = liveSum.table as ReadModelTable;
        const found = same
          ? { total: 0, examples: [] }
          : await differingRows(live, pool.sql, s.name, table, o.examples ?? 5);
        tables.push({
          table,
          live: liveSum,
          replayed,
          same,
          differingRows: found.total,
          examples: found.examples,
        });
        progress?.update(i + 1, table);
      }
      progress?.end();
      return {
        seq,
        tables,
        same: tables.every((x) => x.same),
        seconds: { replay: replayS, compare: (now() - t) / 1000, total: (now() - started) / 1000 },
      };
    });
  } finally {
    progress?.end();
    await replayer?.close();
    await scratch?.close();
    await schema?.drop().catch(() => {});
  }
}

/** The rows of `table` that differ between the live snapshot and the replay, the first few described. */
async function differingRows(
  live: Tx,
  replayed: Sql,
  schema: string,
  table: ReadModelTable,
  limit: number,
): Promise<{ total: number; examples: RowDifference[] }> {
  const keys = keyColumns(table).map(quoteIdent);
  const t = quoteIdent(table);
  const tmp = `verify_${table}`;
  await live.unsafe(
    `create temp table ${tmp} on commit drop as select ${keys.join(', ')}, ''::text as h from public.${t} where false`,
  );
  await replayed
    .unsafe(`select ${keys.join(', ')}, md5(t::text) as h from ${quoteIdent(schema)}.${t} t`)
    .cursor(10_000, async (rows) => {
      await live.unsafe(`insert into ${tmp} select * from json_populate_recordset(null::${tmp}, $1::json)`, [
        JSON.stringify(rows),
      ]);
    });
  const on = keys.map((k) => `l.${k} = r.${k}`).join(' and ');
  const found = await live.unsafe<Record<string, unknown>[]>(
    `select ${keys.map((k) => `coalesce(l.${k}, r.${k}) as ${k}`).join(', ')},
       case when l.h is null then 'only_replayed' when r.h is null then 'only_live' else 'changed' end as kind,
       count(*) over ()::int as total
     from (select ${keys.join(', ')}, md5(t::text) as h from public.${t} t) l
       full join ${tmp} r on ${on}
     where l.h is distinct from r.h
     order by ${keys.map((_, i) => i + 1).join(', ')} limit ${limit}`,
  );
  const examples: RowDifference[] = [];
  for (const f of found) {
    const key = Object.fromEntries(keyColumns(table).map((k) => [k, f[k]]));
    const where = keyColumns(table)
      .map((k, i) => `${quoteIdent(k)} = $${i + 1}`)
      .join(' and ');
    const params = Object.values(key) as string[];
    const [a] = await live.unsafe<{ row: Record<string, unknown> }[]>(
      `select to_jsonb(t) as row from public.${t} t where ${where}`,
      params,
    );
    const [b] = await replayed.unsafe<{ row: Record<string, unknown> }[]>(
      `select to_jsonb(t) as row from ${quoteIdent(schema)}.${t} t where ${where}`,
      params,
    );
    const columns: RowDifference['columns'] = [];
    if (a && b) {
      for (const column of Object.keys(a.row)) {
        if (JSON.stringify(a.row[column]) !== JSON.stringify(b.row[column])) {
          columns.push({ column, live: a.row[column], replayed: b.row[column] });
        }
      }
    }
    examples.push({ key, kind: f.kind as RowDifferenceKind, columns });
  }
  return { total: (found[0]?.total as number | undefined) ?? 0, examples };
}
