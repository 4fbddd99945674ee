import type { Sql } from '../db/client.js';
import type { Subjects } from '../log/subjects.js';
import { createBatchApplier, readCheckpoint } from '../projections/batch.js';
import {
  createReadModelsProjection,
  type ReadModelsProjection,
  type StagedBatch,
} from '../projections/read-models.projection.js';
import { type DecodedBatch, decodedBatches, materialize } from './decoded-batches.js';

export interface ReplayDeps {
  /** A pool whose `search_path` is the schema to fill (see `createDb`'s `searchPath`). */
  sql: Sql;
  /** The log is read on a thread of its own, with a connection of its own. */
  natsUrl: string;
  stream: string;
  subjects: Subjects;
  /** The audit chain's checkpoint interval (`AUDIT_CHECKPOINT_EVERY`); 1000 by default. */
  chainCheckpointEvery?: number;
}

export interface ReplayOptions {
  /** The checkpoint row of this replay, in the schema's own `projector_checkpoints`. */
  checkpoint: string;
  /** Replay up to and including this sequence, exactly. */
  toSeq: number;
  /** Most events in one transaction. */
  batchSize?: number;
  /** Most body bytes in one transaction. */
  maxBatchBytes?: number;
  /** The projection to apply (one made for a bulk load, say); the live projector's by default. */
  readModels?: ReadModelsProjection;
  /**
   * Fold each batch while the one before it commits (`ReadModelsProjection.stage`); only with
   * a projection that holds rows back, as `replayBulk` makes.
   */
  ahead?: boolean;
  /** Called after each commit with the sequence reached. */
  onProgress?: (seq: number) => void;
  signal?: AbortSignal;
}

export interface ReplayResult {
  /** The checkpoint it started from and the one it reached (= `toSeq`). */
  fromSeq: number;
  toSeq: number;
  /** Events applied and events rejected as malformed. */
  applied: number;
  rejected: number;
}

/**
 * Applies the log, from the schema's checkpoint up to exactly `toSeq`, to the tables the pool
 * resolves to, with the live projector's batch code: so the rows are the ones the live
 * projector would write. Not a projector: no lock, no standby, no notifications; it ends at
 * `toSeq`. Another thread reads and decodes the next batches (`decodedBatches`) while this one
 * folds and writes.
 */
export async function replayInto(deps: ReplayDeps, o: ReplayOptions): Promise<ReplayResult> {
  const { sql, stream, subjects } = deps;
  const readModels = o.readModels ?? createReadModelsProjection();
  const applier = createBatchApplier({
    stream,
    subjects,
    readModels,
    checkpoint: o.checkpoint,
    notify: false,
    chainCheckpointEvery: deps.chainCheckpointEvery,
  });
  const fromSeq = await readCheckpoint(sql, o.checkpoint);
  const result: ReplayResult = { fromSeq, toSeq: fromSeq, applied: 0, rejected: 0 };
  if (o.toSeq <= fromSeq) return result;
  // the chain's head moves with the checkpoint in every commit, so in a replay they are equal
  const chainHead = await applier.loadChain(sql);
  if (chainHead.seq !== fromSeq) {
    throw new Error(
      `the audit chain of this schema is at ${chainHead.seq}, its read models at ${fromSeq}: replay into a fresh schema`,
    );
  }

  // a bulk replay from the start into empty tables: a message's first capture has no row to load
  const fresh =
    o.ahead === true &&
    fromSeq === 0 &&
    (await sql<{ empty: boolean }[]>`select not exists (select 1 from messages) as empty`)[0]!.empty;
  const batches = decodedBatches({
    natsUrl: deps.natsUrl,
    stream,
    subjectPrefix: subjects.prefix,
    fromSeq,
    toSeq: o.toSeq,
    batchSize: o.batchSize ?? 25_000,
    maxBatchBytes: o.maxBatchBytes ?? 32 * 1024 * 1024,
    chainHead,
    chainCheckpointEvery: deps.chainCheckpointEvery ?? 1000,
    omitFirstCaptures: fresh,
  });
  let reached = fromSeq;
  const done = (batch: DecodedBatch) => {
    reached = batch.toSeq;
    result.toSeq = reached;
    result.applied += batch.validCount;
    result.rejected += batch.rejected.length;
    o.onProgress?.(reached);
  };
  /** The batch whose transaction is still running, staged ahead (`ahead`). */
  let committing: { batch: DecodedBatch; staged: StagedBatch; commit: Promise<() => void> } | null = null;
  try {
    for await (const batch of batches) {
      if (o.signal?.aborted) break;
      if (!o.ahead) {
        batch.fromSeq = reached;
        const remember = await applier.commit(sql, materialize(batch));
        remember();
        done(batch);
        continue;
      }
      // folded while the batch before commits; the one before that has committed
      const staged = await readModels.stage(
        sql,
        { keys: batch.keys, events: batch.events() },
        committing?.staged ?? null,
      );
      if (committing) {
        (await committing.commit)();
        done(committing.batch);
      }
      batch.fromSeq = reached;
      const commit = applier.commit(sql, batch, staged);
      commit.catch(() => {}); // awaited with the next batch, or below
      committing = { batch, staged, commit };
    }
    if (committing) {
      (await committing.commit)();
      done(committing.batch);
      committing = null;
    }
  } finally {
    // a failure leaves no transaction running behind it
    await committing?.commit.catch(() => {});
  }
  if (o.signal?.aborted) throw new Error(`replay interrupted at ${result.toSeq} of ${o.toSeq}`);
  await sql.begin((tx) => readModels.flush(tx)); // rows a bulk projection still holds in memory
  if (result.toSeq !== o.toSeq) {
    throw new Error(`replay ended at ${result.toSeq}, not at ${o.toSeq}: the stream ended early`);
  }
  return result;
}

/**
 * Settings for the connections of a replay into fresh tables (`DbOptions.settings`). Those
 * tables have no statistics until the replay ends, and without them the planner takes a lookup
 * of a few hundred conversations' messages for most of the table: it scanned the whole
 * `messages` table, on parallel workers, for a third of the lookups (5.6 million rows read for
 * 1,000,000 events, about 5 of Postgres's 30 CPU seconds). Every statement of a replay is a lookup
 * by key, which an index answers. Not for a pool that also scans whole tables (checksums).
 * No JIT: with sequential scans priced out, the client's own catalog query at connect (the
 * array types) was costed high enough to be compiled and optimized by LLVM, 120 to 150 ms on
 * each connection before its first statement; no statement of a replay gains from it.
 */
export const BULK_REPLAY_SETTINGS: Readonly<Record<string, string>> = {
  enable_seqscan: 'off',
  max_parallel_workers_per_gather: '0',
  jit: 'off',
};

/**
 * The bulk of a replay into empty tables (`rebuild`, `verify`): large batches, and rows held in
 * memory across batches and written back once (`ReadModelsOptions.writeBack`).
 */
export function replayBulk(
  deps: ReplayDeps,
  o: Pick<ReplayOptions, 'checkpoint' | 'toSeq' | 'batchSize' | 'onProgress'> & { heldRows?: number },
): Promise<ReplayResult> {
  return replayInto(deps, {
    checkpoint: o.checkpoint,
    toSeq: o.toSeq,
    batchSize: o.batchSize ?? 25_000,
    readModels: createReadModelsProjection({ writeBack: true, cacheSize: o.heldRows ?? 200_000 }),
    ahead: true,
    onProgress: o.onProgress,
  });
}
