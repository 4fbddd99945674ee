import type { JetStreamManager } from '@nats-io/jetstream';
import { READ_MODEL_TABLES } from '../db/checksum.js';
import { createDb, type Sql } from '../db/client.js';
import type { Subjects } from '../log/subjects.js';
import { createReadModelsProjection, LOAD_INDEXES } from '../projections/read-models.projection.js';
import { type HeldLock, ProjectorLockError, takeProjectorLock } from './handover.js';
import type { ReplayProgress } from './progress.js';
import { BULK_REPLAY_SETTINGS, replayBulk, replayInto } from './replay.js';
import {
  createScratchSchema,
  dropAbandonedSchemas,
  finishScratchSchema,
  quoteIdent,
  type ScratchSchema,
  structureDifferences,
} from './schema.js';
import { swapIntoPublic } from './swap.js';

export interface RebuildDeps {
  /** The live database (search_path `public`). */
  sql: Sql;
  /** Its URL, to open the pool that writes the scratch schema. */
  databaseUrl: string;
  jsm: JetStreamManager;
  /** For the thread that reads the log during a replay. */
  natsUrl: string;
  stream: string;
  subjects: Subjects;
  /** The live projector's checkpoint name (`read-models:<stream>`). */
  projector: string;
  /** The audit chain's checkpoint interval (`AUDIT_CHECKPOINT_EVERY`), as the live projector keeps it. */
  chainCheckpointEvery?: number;
  progress?: ReplayProgress;
}

export interface RebuildOptions {
  /** Events in one transaction of the bulk replay. */
  batchSize?: number;
  /** How long to wait for the live projector to hand its lock over. */
  handoverTimeoutMs?: number;
  /** Memory each index build may use (Postgres `maintenance_work_mem`). */
  maintenanceWorkMem?: string;
  /**
   * Conversations (and users, and accounts) the bulk replay keeps in memory instead of
   * writing them in every batch; past it those held longest are written.
   */
  heldRows?: number;
}

export interface RebuildReport {
  schema: string;
  /** The sequence the new read models hold, and the live checkpoint they replaced. */
  seq: number;
  liveSeqBefore: number;
  events: number;
  rejected: number;
  /** Rows per read model: in the replaced tables and in the rebuilt ones (same sequence). */
  rows: { table: string; before: number; after: number }[];
  /** Seconds per phase. */
  seconds: {
    replay: number;
    indexes: number;
    catchUp: number;
    paused: number;
    swap: number;
    drop: number;
    total: number;
  };
  /** Scratch schemas of earlier, interrupted runs that were dropped first. */
  abandoned: string[];
}

/** Another rebuild of the same read models is running. */
export class RebuildRunningError extends Error {
  readonly code = 'rebuild_running';
}

const now = () => performance.now();
const seconds = (from: number) => (now() - from) / 1000;

/**
 * Rebuilds the read models from the log without stopping queries:
 *
 * 1. replays the whole stream into empty copies of the read-model tables in a scratch schema
 *    (secondary indexes left out, big batches), while the live projector goes on;
 * 2. builds the indexes, analyzes, and replays what arrived meanwhile;
 * 3. takes the live projector's lock (it hands it over: live projection pauses), replays up to
 *    the live checkpoint, checks that the copy has the live tables' exact structure, and swaps
 *    the tables in one transaction (`swapIntoPublic`), the checkpoint with them;
 * 4. releases the lock (the live projector goes on from the same checkpoint, reading the new
 *    tables) and drops the old tables.
 *
 * Any failure before the swap leaves the live read models as they were and drops the scratch
 * schema.
 */
export async function rebuildReadModels(deps: RebuildDeps, o: RebuildOptions = {}): Promise<RebuildReport> {
  const { sql, jsm, stream, subjects, projector } = deps;
  const progress = deps.progress;
  const started = now();
  const guard = await sql.reserve();
  let schema: ScratchSchema | null = null;
  let lock: HeldLock | null = null;
  let scratch: ReturnType<typeof createDb> | null = null;
  try {
    const [free] = await guard<{ ok: boolean }[]>`
      select pg_try_advisory_lock(hashtextextended(${`im-hub rebuild ${projector}`}, 0)) as ok`;
    if (!free?.ok) {
      throw new RebuildRunningError(
        `another rebuild of ${projector} is running; wait for it to finish (nothing was changed)`,
      );
    }
    const abandoned = await dropAbandonedSchemas(sql);
    // Logged from the start: the tables become the live ones, and `set logged` after the load
    // rewrites each of them whole into the WAL, which took longer than the WAL of the load
    // itself saved (the COPYs' WAL costs little with synchronous_commit off).
    schema = await createScratchSchema(sql, 'rebuild', { loadIndexes: LOAD_INDEXES, unlogged: false });
    scratch = createDb(deps.databaseUrl, {
      max: 3,
      searchPath: schema.name,
      applicationName: 'im-hub rebuild',
      settings: BULK_REPLAY_SETTINGS,
    });
    const replayDeps = {
      sql: scratch.sql,
      natsUrl: deps.natsUrl,
      stream,
      subjects,
      chainCheckpointEvery: deps.chainCheckpointEvery,
    };

    // 1. The bulk of the log.
    let t = now();
    const target = (await jsm.streams.info(stream)).state.last_seq;
    progress?.phase('replay', target);
    const bulk = await replayBulk(replayDeps, {
      checkpoint: projector,
      toSeq: target,
      batchSize: o.batchSize,
      heldRows: o.heldRows,
      onProgress: (seq) => progress?.update(seq),
    });
    progress?.end();
    const replayS = seconds(t);

    // 2. Indexes, then what arrived meanwhile (indexes maintained as usual from here on).
    t = now();
    progress?.phase('indexes', schema.deferred.length + 1);
    let step = 0;
    await finishScratchSchema(sql, schema, {
      maintenanceWorkMem: o.maintenanceWorkMem,
      onStep: (s) => {
        if (s.startsWith('index ') || s === 'analyze messages') progress?.update(++step, s);
      },
    });
    progress?.end();
    const indexesS = seconds(t);
    t = now();
    const live = createReadModelsProjection();
    const tail = (await jsm.streams.info(stream)).state.last_seq;
    const caught = await replayInto(replayDeps, { checkpoint: projector, toSeq: tail, readModels: live });
    const catchUpS = seconds(t);

    // 3. Live projection pauses: catch up to its checkpoint, check, swap.
    const paused = now();
    progress?.phase('switch');
    lock = await takeProjectorLock(sql, projector, o.handoverTimeoutMs ?? 30_000);
    const [row] = await sql<{ last_seq: number }[]>`
      select last_seq from projector_checkpoints where projector = ${projector}`;
    const liveSeq = row?.last_seq ?? 0;
    const last = await replayInto(replayDeps, {
      checkpoint: projector,
      toSeq: Math.max(liveSeq, caught.toSeq),
      readModels: live,
    });
    const seq = last.toSeq;
    const differences = await structureDifferences(sql, schema.name);
    if (differences.length > 0) {
      throw new Error(
        `the rebuilt tables do not have the live tables' structure (${differences.slice(0, 5).join('; ')}); ` +
          'run migrate and try again; nothing was changed',
      );
    }
    const rows = await countRows(sql, schema.name);
    t = now();
    const retired = await swapIntoPublic(sql, { schema: schema.name, projector, seq });
    const swapS = seconds(t);
    await lock.release();
    lock = null;
    const pausedS = seconds(paused);
    progress?.end();

    // 4. The old tables go.
    t = now();
    await sql.unsafe(`drop schema if exists ${quoteIdent(retired)} cascade`);
    await schema.drop();
    schema = null;
    const dropS = seconds(t);

    return {
      schema: retired,
      seq,
      liveSeqBefore: liveSeq,
      events: bulk.applied + caught.applied + last.applied,
      rejected: bulk.rejected + caught.rejected + last.rejected,
      rows,
      seconds: {
        replay: replayS,
        indexes: indexesS,
        catchUp: catchUpS,
        paused: pausedS,
        swap: swapS,
        drop: dropS,
        total: seconds(started),
      },
      abandoned,
    };
  } finally {
    progress?.end();
    await lock?.release();
    await scratch?.close();
    await schema?.drop().catch(() => {});
    await guard`select pg_advisory_unlock(hashtextextended(${`im-hub rebuild ${projector}`}, 0))`.catch(
      () => {},
    );
    guard.release();
  }
}

/** Rows of each read model, live and in the scratch schema. */
async function countRows(sql: Sql, schema: string) {
  return Promise.all(
    Object.keys(READ_MODEL_TABLES).map(async (table) => {
      const [r] = await sql.unsafe<{ before: number; after: number }[]>(
        `select (select count(*) from public.${quoteIdent(table)})::int as before,
                (select count(*) from ${quoteIdent(schema)}.${quoteIdent(table)})::int as after`,
      );
      return { table, before: r!.before, after: r!.after };
    }),
  );
}

export { ProjectorLockError };
