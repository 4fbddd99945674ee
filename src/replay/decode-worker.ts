/**
 * A thread that reads a range of the log and decodes it into batches for a replay: parsing,
 * validation and ids happen here, beside the thread that folds and writes. Started by
 * `decodedBatches` in `./decoded-batches.ts`.
 *
 * Protocol: `workerData` is a `DecodeJob`; the worker posts `DecodeOutput`s, at most `ahead`
 * batches before the parent answers one with `{ type: 'credit' }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connectNats } from '../log/connect.js';
import { readRange } from '../log/range-reader.js';
import { createSubjects } from '../log/subjects.js';
import { addToBatch, type Batch, emptyBatch } from '../projections/batch.js';
import { type ChainPoint, createChainProjection } from '../projections/chain.projection.js';
import { type BatchKeys, keysOf, MetMessages, type SequencedEvent } from '../projections/fold.js';

export interface DecodeJob {
  natsUrl: string;
  stream: string;
  subjectPrefix: string;
  /** Read `fromSeq + 1` … `toSeq`. */
  fromSeq: number;
  toSeq: number;
  /** Events in one message to the parent (the parent joins them into batches). */
  chunkSize: number;
  /** Chunks posted and not yet taken, at most. */
  ahead: number;
  /** The audit chain's head at `fromSeq`, and its checkpoint interval: the reader chains what it reads. */
  chainHead: ChainPoint;
  chainCheckpointEvery: number;
  /**
   * The replay starts at seq 0 into empty tables: the keys leave out captures of messages no
   * event mentioned before (`MetMessages`).
   */
  omitFirstCaptures: boolean;
}

/**
 * Events cross the thread boundary in small chunks (their objects die young here instead of
 * waiting for a whole batch), each chunk's events as one JSON text: parsing it is cheaper than
 * a structured clone, and gives objects that V8 folds faster (shared shapes). An event whose
 * body is its exact JSON goes as that text, not serialized again (`chunkJson`). With it go the
 * `keysOf` its events: the parent loads a batch's rows before it parses the batch, and then
 * parses and folds one chunk at a time, so that the events die young there too.
 */
export type DecodeOutput =
  | { type: 'batch'; batch: Omit<Batch, 'valid'>; valid: string; count: number; keys: BatchKeys }
  | { type: 'end' }
  | { type: 'error'; message: string; stack?: string };

const job = workerData as DecodeJob;
const met = job.omitFirstCaptures ? new MetMessages() : undefined;
const port = parentPort!;
let credits = job.ahead;
let onCredit: (() => void) | null = null;
port.on('message', (m: { type: string; n: number }) => {
  if (m.type === 'credit') {
    credits += m.n;
    onCredit?.();
  }
});

async function post(batch: Batch) {
  while (credits === 0) {
    await new Promise<void>((resolve) => {
      onCredit = resolve;
    });
  }
  credits--;
  const { valid, texts, ...rest } = batch;
  port.postMessage({
    type: 'batch',
    batch: rest,
    valid: chunkJson(valid, texts!),
    count: valid.length,
    // the rows the events touch, so that the parent can load them before it parses the events
    keys: keysOf(valid, met),
  } satisfies DecodeOutput);
}

/** `JSON.stringify(valid)`, with the events' own body texts where they have one. */
function chunkJson(valid: SequencedEvent[], texts: (string | null)[]): string {
  let out = '[';
  for (let i = 0; i < valid.length; i++) {
    if (i > 0) out += ',';
    const e = valid[i]!;
    const text = texts[i];
    if (text == null) out += JSON.stringify(e);
    else {
      const { event: _, ...rest } = e; // seq and ids, never empty
      out += `${JSON.stringify(rest).slice(0, -1)},"event":${text}}`;
    }
  }
  return `${out}]`;
}

const withTexts = (b: Batch): Batch => Object.assign(b, { texts: [] });

const nats = await connectNats({ url: job.natsUrl, name: 'im-hub replay reader' });
try {
  const subjects = createSubjects(job.subjectPrefix);
  // search vectors are left to the parent, which computes them while it waits for Postgres
  const ctx = { stream: job.stream, subjects, prepare: (e: SequencedEvent) => e };
  const chain = createChainProjection(job.stream, job.chainCheckpointEvery);
  chain.start(job.chainHead);
  let batch = withTexts(emptyBatch(job.fromSeq));
  const log = { js: nats.js, jsm: nats.jsm, stream: job.stream };
  for await (const m of readRange(log, { fromSeq: job.fromSeq + 1, toSeq: job.toSeq })) {
    chain.append(m);
    addToBatch(batch, m, ctx);
    if (batch.count >= job.chunkSize) {
      batch.chain = chain.take();
      await post(batch);
      batch = withTexts(emptyBatch(batch.toSeq));
    }
  }
  if (batch.count > 0) {
    batch.chain = chain.take();
    await post(batch);
  }
  port.postMessage({ type: 'end' } satisfies DecodeOutput);
} catch (e) {
  const err = e as Error;
  port.postMessage({ type: 'error', message: err.message, stack: err.stack } satisfies DecodeOutput);
} finally {
  await nats.nc.close();
  port.close();
}
