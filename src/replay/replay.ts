import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Sql } from '../db/client.js';
import { readRange } from '../log/range-reader.js';
import type { Subjects } from '../log/subjects.js';
import { createBatchApplier, readCheckpoint } from '../projections/batch.js';
import {
  createReadModelsProjection,
  type ReadModelsProjection,
} from '../projections/read-models.projection.js';

export interface ReplayDeps {
  /** A pool whose `search_path` is the schema to fill (see `createDb`'s `searchPath`). */
  sql: Sql;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjects: Subjects;
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
 * `toSeq`. Decoding the next batch overlaps with the commit of the one before.
 */
export async function replayInto(deps: ReplayDeps, o: ReplayOptions): Promise<ReplayResult> {
  const { sql, js, jsm, stream, subjects } = deps;
  const batchSize = o.batchSize ?? 25_000;
  const maxBatchBytes = o.maxBatchBytes ?? 32 * 1024 * 1024;
  const readModels = o.readModels ?? createReadModelsProjection();
  const applier = createBatchApplier({
    stream,
    subjects,
    readModels,
    checkpoint: o.checkpoint,
    notify: false,
  });
  const fromSeq = await readCheckpoint(sql, o.checkpoint);
  const result: ReplayResult = { fromSeq, toSeq: fromSeq, applied: 0, rejected: 0 };
  if (o.toSeq <= fromSeq) return result;

  let batch = applier.empty(fromSeq);
  let inflight: Promise<void> = Promise.resolve();
  const flush = async () => {
    await inflight; // the commit before must succeed first (its error surfaces here)
    const b = batch;
    batch = applier.empty(b.toSeq);
    inflight = applier.commit(sql, b).then((remember) => {
      remember();
      result.toSeq = b.toSeq;
      result.applied += b.valid.length;
      result.rejected += b.rejected.length;
      o.onProgress?.(b.toSeq);
    });
    inflight.catch(() => {}); // awaited by the next flush or at the end
  };
  for await (const m of readRange(js, jsm, stream, { fromSeq: fromSeq + 1, toSeq: o.toSeq })) {
    if (o.signal?.aborted) break;
    applier.add(batch, m);
    if (batch.count >= batchSize || batch.bytes >= maxBatchBytes) await flush();
  }
  if (!o.signal?.aborted && batch.count > 0) await flush();
  await inflight;
  if (o.signal?.aborted) throw new Error(`replay interrupted at ${result.toSeq} of ${o.toSeq}`);
  if (result.toSeq !== o.toSeq) {
    throw new Error(`replay ended at ${result.toSeq}, not at ${o.toSeq}: the stream ended early`);
  }
  return result;
}
