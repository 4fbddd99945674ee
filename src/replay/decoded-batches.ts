import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Batch } from '../projections/batch.js';
import type { ChainPoint } from '../projections/chain.projection.js';
import { type BatchKeys, mergeKeys, type SequencedEvent } from '../projections/fold.js';
import { prepareEvent } from '../projections/read-models.projection.js';
import type { DecodeJob, DecodeOutput } from './decode-worker.js';

export interface DecodedBatchesOptions {
  natsUrl: string;
  stream: string;
  subjectPrefix: string;
  /** Read `fromSeq + 1` … `toSeq`. */
  fromSeq: number;
  toSeq: number;
  /** Most events, and most body bytes, in one batch. */
  batchSize: number;
  maxBatchBytes: number;
  /** The audit chain's head at `fromSeq`, and its checkpoint interval. */
  chainHead: ChainPoint;
  chainCheckpointEvery: number;
  /** Into empty tables from seq 0: see `DecodeJob.omitFirstCaptures`. */
  omitFirstCaptures?: boolean;
}

/** Events in one message from the reader thread. */
const CHUNK = 2000;

/** The reader thread's young generation, in MiB (V8's default gives it 16 MiB semi-spaces). */
const READER_YOUNG_MB = 192;

/**
 * A batch of the log as the reader thread sent it. Its events are made only as the caller
 * iterates `events()`, a chunk at a time: a chunk's objects can die once it is folded, instead
 * of living (and being copied by the garbage collector, then promoted) until the batch is
 * written. `valid` stays empty unless `materialize`d.
 */
export interface DecodedBatch extends Batch {
  /** How many valid events it holds. */
  validCount: number;
  /** `keysOf` its valid events, from the reader thread: what to load before folding. */
  keys: BatchKeys;
  /** Its valid events, parsed and prepared (`prepareEvent`) a chunk at a time; once. */
  events(): Iterable<SequencedEvent>;
}

/** The batch with all its events in `valid`, for a caller that needs them at once. */
export function materialize(b: DecodedBatch): Batch {
  if (b.valid.length < b.validCount) b.valid = [...b.events()];
  return b;
}

/**
 * The batches of a range of the log, read and decoded on a thread of its own
 * (`decode-worker.ts`) while the caller folds and writes the ones before: the two halves of a
 * replay's CPU work run side by side. Chunks arrive as JSON text with their keys and are joined
 * into batches, parsed only when the caller folds them; the reader gets ahead by one batch at
 * most, so memory stays bounded however slow the caller is.
 */
export async function* decodedBatches(o: DecodedBatchesOptions): AsyncGenerator<DecodedBatch> {
  const chunksPerBatch = Math.max(1, Math.ceil(o.batchSize / CHUNK));
  const worker = startWorker({
    natsUrl: o.natsUrl,
    stream: o.stream,
    subjectPrefix: o.subjectPrefix,
    fromSeq: o.fromSeq,
    toSeq: o.toSeq,
    chunkSize: CHUNK,
    ahead: chunksPerBatch,
    chainHead: o.chainHead,
    chainCheckpointEvery: o.chainCheckpointEvery,
    omitFirstCaptures: o.omitFirstCaptures ?? false,
  });
  type Filling = { batch: Batch; chunks: number; texts: string[]; count: number; keys: BatchKeys };
  const ready: Filling[] = [];
  let filling: Filling | null = null;
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let ended = false;
  let exited = false;
  const done = () => {
    if (filling) ready.push(filling);
    filling = null;
  };
  worker.on('message', (m: DecodeOutput) => {
    if (m.type === 'batch') {
      if (!filling) {
        filling = {
          batch: { ...m.batch, valid: [] },
          chunks: 1,
          texts: [m.valid],
          count: m.count,
          keys: m.keys,
        };
      } else {
        const b = filling.batch;
        filling.texts.push(m.valid);
        filling.count += m.count;
        mergeKeys(filling.keys, m.keys);
        for (const r of m.batch.rejected) b.rejected.push(r);
        b.toSeq = m.batch.toSeq;
        if (b.chain && m.batch.chain) {
          b.chain = {
            from: b.chain.from,
            to: m.batch.chain.to,
            checkpoints: [...b.chain.checkpoints, ...m.batch.chain.checkpoints],
          };
        }
        b.count += m.batch.count;
        b.bytes += m.batch.bytes;
        filling.chunks++;
      }
      if (filling.batch.count >= o.batchSize || filling.batch.bytes >= o.maxBatchBytes) done();
    } else if (m.type === 'end') {
      done();
      ended = true;
    } else failure = Object.assign(new Error(`reading the log: ${m.message}`), { stack: m.stack });
    wake?.();
  });
  worker.on('error', (e) => {
    failure = e;
    wake?.();
  });
  worker.on('exit', (code) => {
    exited = true;
    if (code !== 0) failure ??= new Error(`the log reader thread exited with code ${code}`);
    wake?.();
  });
  try {
    for (;;) {
      const next = ready.shift();
      if (next) {
        worker.postMessage({ type: 'credit', n: next.chunks });
        const { texts } = next;
        yield Object.assign(next.batch, {
          validCount: next.count,
          keys: next.keys,
          *events() {
            for (let text = texts.shift(); text !== undefined; text = texts.shift()) {
              // here, not in the reader thread: tokenizing is the main thread's share
              for (const e of JSON.parse(text) as SequencedEvent[]) yield prepareEvent(e);
            }
          },
        });
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      if (exited) throw new Error('the log reader thread ended before the end of the range');
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  } finally {
    await worker.terminate();
  }
}

/**
 * The worker runs the compiled `decode-worker.js` beside this file; from the TypeScript
 * sources (tests, `tsx`) it registers tsx's loader in the thread first, since a thread does not
 * inherit the loader hooks of the process.
 */
function startWorker(job: DecodeJob): Worker {
  const self = fileURLToPath(import.meta.url);
  const ts = self.endsWith('.ts');
  const entry = new URL(`./decode-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
  // Everything the reader allocates dies within a chunk: a young generation that holds a few
  // chunks lets it die there, instead of being copied by scavenges that come every 16 MB.
  const resourceLimits = { maxYoungGenerationSizeMb: READER_YOUNG_MB };
  if (!ts) return new Worker(entry, { workerData: job, resourceLimits });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: job, resourceLimits });
}
