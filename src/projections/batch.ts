import type { JsMsg } from '@nats-io/jetstream';
import { rowCodec } from '../db/bulk.js';
import type { Sql } from '../db/client.js';
import { rejectedEvents } from '../db/schema.js';
import { decodeEventText, EVENT_TYPES } from '../events/index.js';
import type { LogMsg } from '../log/range-reader.js';
import type { Subjects } from '../log/subjects.js';
import { type ChainPoint, type ChainStep, createChainProjection } from './chain.projection.js';
import { type SequencedEvent, sequenced } from './fold.js';
import type { ReadModelsProjection, StagedBatch } from './read-models.projection.js';

/**
 * Postgres channel on which each commit announces `{"projector": name, "seq": checkpoint}`, so
 * that live streams in any process wake at once (`src/sync/checkpoint-watch.ts`).
 */
export const PROJECTED_CHANNEL = 'im_hub_projected';

/** Raised when the checkpoint moved under us: another process projected. We resync from it. */
export class CheckpointMovedError extends Error {
  constructor(expected: number) {
    super(`checkpoint is no longer ${expected}: another process projected`);
  }
}

export type RejectedRow = typeof rejectedEvents.$inferSelect;

/** Events received and decoded, not yet applied. */
export interface Batch {
  firstSeq: number;
  /** The checkpoint this batch continues from, and the one it moves to. */
  fromSeq: number;
  toSeq: number;
  valid: SequencedEvent[];
  rejected: RejectedRow[];
  /** Messages received (redeliveries of applied ones included), and their body bytes. */
  count: number;
  bytes: number;
  /** When its first message arrived (performance.now()). */
  firstAt: number;
  /** Counted as they are decoded, so that metrics cost a map update per event, not a label lookup. */
  appliedByType: Map<string, number>;
  rejectedByType: Map<string, number>;
  /** What the batch adds to the audit chain; taken when the batch is cut (`applier.cut`). */
  chain: ChainStep | null;
  /**
   * When set, `addToBatch` keeps beside each valid event its body's text if that is the
   * event's exact JSON, else null (`decodeEventText`): a replay's reader thread sends it as is.
   */
  texts?: (string | null)[];
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

function countInto(counts: Map<string, number>, type: string): void {
  counts.set(type, (counts.get(type) ?? 0) + 1);
}

export interface BatchApplierDeps {
  stream: string;
  subjects: Subjects;
  readModels: ReadModelsProjection;
  /** The checkpoint row the batches move (`projector_checkpoints.projector`). */
  checkpoint: string;
  /** Wait for each commit to reach disk (see `ProjectorOptions.durableCommit`). */
  durableCommit?: boolean;
  /** Announce each commit on `PROJECTED_CHANNEL` (live streams listen to it). */
  notify?: boolean;
  /** Every this many sequences the audit chain's hash is kept as a checkpoint. */
  chainCheckpointEvery?: number;
  /** The accounts of this stream's partition; an event of another account is rejected. */
  owns?: (accountId: string) => boolean;
}

const rejectedRows = rowCodec(rejectedEvents, ['stream', 'seq']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text when Postgres can hold it as such: UTF-8 without NUL; else base64. */
function rawText(data: Uint8Array): string {
  try {
    const text = utf8.decode(data);
    if (!text.includes('\u0000')) return text;
  } catch {}
  return `base64:${Buffer.from(data).toString('base64')}`;
}

/** A reason quotes the body at times (a JSON parser's message): NUL written out, lone surrogates replaced. */
const storableReason = (reason: string) => reason.replaceAll('\u0000', '\\u0000').toWellFormed();

/**
 * A stored message read against the contract: the event, or why it is rejected (bad JSON,
 * failed schema, unknown type, or a subject that names another account or type than the
 * event). With `withText`, also the body's text when it is the event's exact JSON.
 */
export function decodeMessage(
  m: Pick<JsMsg, 'data' | 'subject' | 'seq'>,
  subjects: Subjects,
  withText = false,
): { ok: true; event: SequencedEvent; text: string | null } | { ok: false; reason: string } {
  const { result: parsed, text } = decodeEventText(m.data, withText);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const where = subjects.parse(m.subject);
  if (!where || where.accountId !== parsed.event.account_id || where.type !== parsed.event.type) {
    return { ok: false, reason: `subject ${m.subject} does not match the event's account_id and type` };
  }
  return { ok: true, event: sequenced(m.seq, parsed.event), text };
}

/**
 * Adds one stored message to a batch: the event, decoded and prepared, or the message as a
 * rejected row. A redelivery of a message the batch already has is counted and skipped.
 */
export function addToBatch(
  d: Batch,
  m: Pick<LogMsg, 'data' | 'subject' | 'seq' | 'info'>,
  ctx: {
    stream: string;
    subjects: Subjects;
    prepare: (e: SequencedEvent) => SequencedEvent;
    owns?: (accountId: string) => boolean;
  },
): void {
  if (d.count === 0) {
    d.firstSeq = m.seq;
    d.firstAt = performance.now();
  }
  d.count += 1;
  d.bytes += m.data.length;
  if (m.seq <= d.toSeq) return; // already applied (redelivery after a reconnect)
  d.toSeq = m.seq;
  let decoded = decodeMessage(m, ctx.subjects, d.texts !== undefined);
  if (decoded.ok && ctx.owns && !ctx.owns(decoded.event.event.account_id)) {
    decoded = {
      ok: false,
      reason: `account ${JSON.stringify(decoded.event.event.account_id)} belongs to another partition than stream ${ctx.stream}: the publisher's PARTITIONS differs from the hub's`,
    };
  }
  if (decoded.ok) {
    d.valid.push(ctx.prepare(decoded.event));
    d.texts?.push(decoded.text);
    countInto(d.appliedByType, decoded.event.event.type);
  } else {
    // a type is only trusted as a label when it is one of ours
    const claimed = ctx.subjects.parse(m.subject)?.type;
    countInto(d.rejectedByType, claimed && KNOWN_TYPES.has(claimed) ? claimed : 'unknown');
    d.rejected.push({
      stream: ctx.stream,
      seq: m.seq,
      subject: m.subject,
      reason: storableReason(decoded.reason),
      raw: rawText(m.data),
      storedAt: Math.floor(m.info.timestampNanos / 1e6),
    });
  }
}

/** An empty batch that continues from checkpoint `fromSeq`. */
export function emptyBatch(fromSeq: number): Batch {
  return {
    firstSeq: 0,
    fromSeq,
    toSeq: fromSeq,
    valid: [],
    rejected: [],
    count: 0,
    bytes: 0,
    firstAt: 0,
    appliedByType: new Map(),
    rejectedByType: new Map(),
    chain: null,
  };
}

/**
 * Turns messages of the log into batches and commits each batch: its read-model changes,
 * its rejected events and the new checkpoint in one transaction. The live projector and the
 * replay into a scratch schema (`src/replay/`) both apply the log through this, so they
 * write the same rows.
 */
export function createBatchApplier(deps: BatchApplierDeps) {
  const { stream, subjects, readModels, checkpoint } = deps;
  const durableCommit = deps.durableCommit ?? false;
  const notify = deps.notify ?? true;
  const chain = createChainProjection(stream, deps.chainCheckpointEvery ?? 1000);

  return {
    empty: emptyBatch,

    /**
     * Reads the audit chain's committed head and continues from it; returns its sequence. The
     * chain may lag the read models (a database projected before the chain existed): a reader
     * then starts after the earlier of the two, and messages already applied are only chained.
     */
    async loadChain(sql: Sql): Promise<ChainPoint> {
      return chain.load(sql);
    },

    /**
     * Parses one message against the contract into the batch, and links it into the audit
     * chain (every stored message, rejected ones too). Pure CPU work, done as messages arrive,
     * so it overlaps with the commit of the batch before.
     */
    add(d: Batch, m: JsMsg): void {
      chain.append(m);
      addToBatch(d, m, { stream, subjects, prepare: readModels.prepare, owns: deps.owns });
    },

    /** Ends a batch that `add` filled: it takes what it added to the chain. */
    cut(d: Batch): Batch {
      d.chain = chain.take();
      return d;
    },

    /**
     * Read models, rejected events, the audit chain and the checkpoint, in one transaction.
     * Returns what to do once it has committed (the projection remembers the rows it wrote);
     * throws `CheckpointMovedError`, committing nothing, when the checkpoint is no longer
     * `fromSeq` or the chain's head is no longer where the batch's chain step started.
     * `staged` is the batch's read-model changes already folded (`ReadModelsProjection.stage`).
     */
    async commit(sql: Sql, d: Batch, staged?: StagedBatch): Promise<() => void> {
      const advances = d.toSeq > d.fromSeq;
      const step = d.chain;
      const chains = step !== null && step.to.seq > step.from.seq;
      if (!advances && !chains) return () => {}; // only redeliveries of applied events
      let committed = () => {};
      await sql.begin(async (tx) => {
        // postgres-js runs a query only once something awaits it (or attaches a handler): the
        // setting goes out ahead of the batch's first statement, in the same round trip
        if (!durableCommit) tx`set local synchronous_commit = off`.catch(() => {});
        committed = staged ? await staged.write(tx) : await readModels.apply(tx, d.valid);
        // Compare-and-set, for the checkpoint and the chain's head: if another process moved
        // them, nothing of this batch commits. The notification is delivered to listeners when
        // (and only if) the transaction commits, so it goes out in the same round trip.
        const [moved, chained] = await Promise.all([
          tx<{ last_seq: number }[]>`
            update projector_checkpoints set last_seq = ${d.toSeq}
            where projector = ${checkpoint} and last_seq = ${d.fromSeq} returning last_seq`,
          chains ? chain.write(tx, step) : true,
          notify && advances
            ? tx`select pg_notify(${PROJECTED_CHANNEL}, ${JSON.stringify({ projector: checkpoint, seq: d.toSeq })})`
            : null,
          rejectedRows.insertNew(tx, d.rejected),
        ]);
        if (moved.length !== 1 || !chained) throw new CheckpointMovedError(d.fromSeq);
      });
      return committed;
    },
  };
}
export type BatchApplier = ReturnType<typeof createBatchApplier>;

/** The checkpoint of `name`, creating its row at 0 the first time. */
export async function readCheckpoint(sql: Sql, name: string): Promise<number> {
  await sql`insert into projector_checkpoints (projector, last_seq) values (${name}, 0) on conflict do nothing`;
  const [row] = await sql<{ last_seq: number }[]>`
    select last_seq from projector_checkpoints where projector = ${name}`;
  return row!.last_seq;
}
