import { EventEmitter } from 'node:events';
import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { ReservedSql } from 'postgres';
import { rowCodec } from '../db/bulk.js';
import type { Sql } from '../db/client.js';
import { rejectedEvents } from '../db/schema.js';
import { decodeEvent, EVENT_TYPES } from '../events/index.js';
import type { Subjects } from '../log/subjects.js';
import type { Logger } from '../logger.js';
import { type ChainStep, createChainProjection } from './chain.projection.js';
import { type SequencedEvent, sequenced } from './fold.js';
import { createReadModelsProjection } from './read-models.projection.js';

export interface ProjectorDeps {
  sql: Sql;
  js: JetStreamClient;
  stream: string;
  subjects: Subjects;
  log: Logger;
}

export interface ProjectorOptions {
  /** Checkpoint name; defaults to `read-models:<stream>`. */
  name?: string;
  /** Most events applied in one transaction. */
  batchSize?: number;
  /** Most body bytes applied in one transaction. */
  maxBatchBytes?: number;
  /** How long a partial batch may wait for more events before it is applied. */
  lingerMs?: number;
  /** How often a standby process tries to take the projector lock. */
  lockRetryMs?: number;
  /**
   * Wait for each batch's commit to reach disk. Off by default: a Postgres crash can then
   * lose the last few batches, but their checkpoint goes with them, so they are projected
   * again from the log. Nothing is lost and nothing applied twice.
   */
  durableCommit?: boolean;
  /** Every this many sequences the audit chain's hash is kept as a checkpoint. */
  chainCheckpointEvery?: number;
  /** While projecting, log progress (checkpoint, rate, lag) this often; 0 turns it off. */
  progressIntervalMs?: number;
}

export type ProjectorState = 'idle' | 'standby' | 'projecting' | 'failing' | 'stopped';

export interface ProjectorStatus {
  state: ProjectorState;
  /** Last stream sequence applied (as this process last saw it). */
  checkpoint: number;
  /** Events the consumer knows are still to come after the last one received. */
  pending: number;
  lastError: string | null;
}

export interface BatchCommitted {
  firstSeq: number;
  lastSeq: number;
  applied: number;
  rejected: number;
  /** Applied and rejected events by type (rejected ones `unknown` when no type can be read). */
  appliedByType: ReadonlyMap<string, number>;
  rejectedByType: ReadonlyMap<string, number>;
  /** Time to apply and commit the batch. */
  durationMs: number;
}

/**
 * Postgres channel on which each commit announces `{"projector": name, "seq": checkpoint}`, so
 * that live streams in any process wake at once (`src/sync/checkpoint-watch.ts`).
 */
export const PROJECTED_CHANNEL = 'im_hub_projected';

/** How long each pull request of the projector's consumer lasts (its heartbeat is half of it). */
const PULL_EXPIRES_MS = 4000;

/** Raised when the checkpoint moved under us: another process projected. We resync from it. */
class CheckpointMovedError extends Error {
  constructor(expected: number) {
    super(`checkpoint is no longer ${expected}: another process projected`);
  }
}

const rejectedRows = rowCodec(rejectedEvents, ['stream', 'seq']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function rawText(data: Uint8Array): string {
  try {
    return utf8.decode(data);
  } catch {
    return `base64:${Buffer.from(data).toString('base64')}`;
  }
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

function countInto(counts: Map<string, number>, type: string): void {
  counts.set(type, (counts.get(type) ?? 0) + 1);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * Reads the stream in order from its checkpoint and applies batches to the read models.
 * Each batch's read-model changes, rejected events and new checkpoint commit in one
 * transaction, so a crash at any point neither loses nor repeats an event. Only the process
 * holding a Postgres advisory lock projects; the others wait on standby and take over when
 * it goes away.
 */
export function createProjector(deps: ProjectorDeps, options: ProjectorOptions = {}) {
  const { sql, js, stream, subjects, log } = deps;
  const name = options.name ?? `read-models:${stream}`;
  const batchSize = options.batchSize ?? 25_000;
  const maxBatchBytes = options.maxBatchBytes ?? 32 * 1024 * 1024;
  const lingerMs = options.lingerMs ?? 5;
  const lockRetryMs = options.lockRetryMs ?? 1000;
  const durableCommit = options.durableCommit ?? false;
  const progressIntervalMs = options.progressIntervalMs ?? 10_000;
  const readModels = createReadModelsProjection();
  const chain = createChainProjection(stream, options.chainCheckpointEvery ?? 1000);

  const events = new EventEmitter<{ committed: [BatchCommitted] }>();
  events.setMaxListeners(0);
  const status: ProjectorStatus = { state: 'idle', checkpoint: 0, pending: 0, lastError: null };
  const abort = new AbortController();
  let running: Promise<void> | null = null;
  let stopConsumer: (() => void) | null = null;

  async function readCheckpoint(): Promise<number> {
    await sql`insert into projector_checkpoints (projector, last_seq) values (${name}, 0) on conflict do nothing`;
    const [row] = await sql<
      { last_seq: number }[]
    >`select last_seq from projector_checkpoints where projector = ${name}`;
    return row!.last_seq;
  }

  async function acquireLock(): Promise<ReservedSql | null> {
    while (!abort.signal.aborted) {
      const conn = await sql.reserve();
      const [row] = await conn<
        { ok: boolean }[]
      >`select pg_try_advisory_lock(hashtextextended(${name}, 0)) as ok`;
      if (row?.ok) return conn;
      conn.release();
      if (status.state !== 'standby')
        log.info({ projector: name }, 'projector on standby: another process holds the lock');
      status.state = 'standby';
      await sleep(lockRetryMs, abort.signal);
    }
    return null;
  }

  /** Events received and decoded, not yet applied: the next batch, growing while one commits. */
  interface Decoded {
    firstSeq: number;
    /** The checkpoint this batch continues from, and the one it moves to. */
    fromSeq: number;
    toSeq: number;
    valid: SequencedEvent[];
    rejected: (typeof rejectedEvents.$inferSelect)[];
    /** Counted as they are decoded, so that metrics cost a map update per event, not a label lookup. */
    appliedByType: Map<string, number>;
    rejectedByType: Map<string, number>;
    /** Messages received (redeliveries of applied ones included), and their body bytes. */
    count: number;
    bytes: number;
    /** When its first message arrived (performance.now()). */
    firstAt: number;
    /** What the batch adds to the audit chain; taken when the batch is cut. */
    chain: ChainStep | null;
  }

  const emptyBatch = (fromSeq: number): Decoded => ({
    firstSeq: 0,
    fromSeq,
    toSeq: fromSeq,
    valid: [],
    rejected: [],
    appliedByType: new Map(),
    rejectedByType: new Map(),
    count: 0,
    bytes: 0,
    firstAt: 0,
    chain: null,
  });

  /**
   * Parses one message against the contract into the batch. Pure CPU work, done as messages
   * arrive, so it overlaps with the commit of the batch before.
   */
  function decodeInto(d: Decoded, m: JsMsg): void {
    if (d.count === 0) {
      d.firstSeq = m.seq;
      d.firstAt = performance.now();
    }
    d.count += 1;
    d.bytes += m.data.length;
    chain.append(m); // every stored message is chained, the ones rejected below too
    // already applied (a redelivery after a reconnect, or the chain catching up)
    if (m.seq <= d.toSeq) return;
    d.toSeq = m.seq;
    const parsed = decodeEvent(m.data);
    let reason = parsed.ok ? null : parsed.reason;
    if (parsed.ok) {
      const where = subjects.parse(m.subject);
      if (!where || where.accountId !== parsed.event.account_id || where.type !== parsed.event.type) {
        reason = `subject ${m.subject} does not match the event's account_id and type`;
      }
    }
    if (reason === null && parsed.ok) {
      d.valid.push(readModels.prepare(sequenced(m.seq, parsed.event)));
      countInto(d.appliedByType, parsed.event.type);
    } else {
      // a type from an event that failed validation is only trusted as a label when it is one of ours
      const claimed = parsed.ok ? parsed.event.type : subjects.parse(m.subject)?.type;
      countInto(d.rejectedByType, claimed && KNOWN_TYPES.has(claimed) ? claimed : 'unknown');
      d.rejected.push({
        stream,
        seq: m.seq,
        subject: m.subject,
        reason: reason ?? 'unknown',
        raw: rawText(m.data),
        storedAt: Math.floor(m.info.timestampNanos / 1e6),
      });
    }
  }

  /** Read models, rejected events, the audit chain and the checkpoint, in one transaction. */
  async function commit(d: Decoded): Promise<void> {
    const advances = d.toSeq > d.fromSeq;
    const step = d.chain;
    const chains = step !== null && step.to.seq > step.from.seq;
    if (!advances && !chains) return; // only redeliveries of applied events
    const started = performance.now();
    let committed = () => {};
    await sql.begin(async (tx) => {
      // postgres-js runs a query only once something awaits it (or attaches a handler): the
      // setting goes out ahead of the batch's first statement, in the same round trip
      if (!durableCommit) tx`set local synchronous_commit = off`.catch(() => {});
      committed = await readModels.apply(tx, d.valid);
      // Compare-and-set: if another process moved the checkpoint, nothing of this batch commits.
      // The notification is delivered to listeners when (and only if) the transaction commits,
      // so it goes out in the same round trip.
      // The chain's head moves by compare-and-set too.
      const [moved, chained] = await Promise.all([
        tx<{ last_seq: number }[]>`
          update projector_checkpoints set last_seq = ${d.toSeq}
          where projector = ${name} and last_seq = ${d.fromSeq} returning last_seq`,
        chains ? chain.write(tx, step) : true,
        advances
          ? tx`select pg_notify(${PROJECTED_CHANNEL}, ${JSON.stringify({ projector: name, seq: d.toSeq })})`
          : null,
        rejectedRows.insertNew(tx, d.rejected),
      ]);
      if (moved.length !== 1 || !chained) throw new CheckpointMovedError(d.fromSeq);
    });
    committed();
    if (!advances) return; // only the chain caught up
    status.checkpoint = d.toSeq;
    if (d.rejected.length > 0) {
      log.warn({ projector: name, rejected: d.rejected.map((r) => r.seq) }, 'rejected malformed events');
    }
    events.emit('committed', {
      firstSeq: d.firstSeq,
      lastSeq: d.toSeq,
      applied: d.valid.length,
      rejected: d.rejected.length,
      appliedByType: d.appliedByType,
      rejectedByType: d.rejectedByType,
      durationMs: performance.now() - started,
    });
  }

  async function project(lock: ReservedSql): Promise<void> {
    readModels.reset(); // whatever happened while we did not hold the lock, read it afresh
    status.checkpoint = await readCheckpoint();
    // The chain may lag the read models (a database projected before the chain existed): read
    // from the earlier of the two; messages already applied are only chained.
    const startAfter = Math.min(status.checkpoint, (await chain.load(sql)).seq);
    status.state = 'projecting';
    status.lastError = null;
    log.info(
      { projector: name, from: status.checkpoint + 1, chain_from: startAfter + 1 },
      'projector started',
    );
    const consumer = await js.consumers.get(
      stream,
      startAfter === 0
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startAfter + 1 },
    );
    // Pull in bounded rounds: a very large pull request stalls the ordered consumer. Pulls that
    // expire every few seconds carry heartbeats every half of that: after a NATS restart the
    // consumer notices the missing heartbeats and recreates itself within seconds, instead of
    // after the default 30 s pull.
    const messages = await consumer.consume({
      max_messages: Math.min(batchSize * 2, 10_000),
      expires: PULL_EXPIRES_MS,
    });
    let lockLost: Error | null = null;
    const lockCheck = setInterval(() => {
      lock`select 1`.catch((e: Error) => {
        lockLost = new Error(`lost the projector lock connection: ${e.message}`);
        messages.stop();
      });
    }, 5000);
    stopConsumer = () => messages.stop();
    // stop() may have come while the consumer was being created: nobody else would stop it
    if (abort.signal.aborted) messages.stop();
    // A reader decodes messages into the next batch while the current one commits. As soon as
    // a commit ends, everything received meanwhile becomes the next batch: under a steady
    // trickle an event waits for at most the commit in progress and its own, and under load
    // batches grow up to `batchSize` by themselves (group commit).
    let next = emptyBatch(status.checkpoint);
    let caughtUp = false;
    let readerDone = false;
    let failed = false;
    let readError: unknown = null;
    let lastReceived = status.checkpoint;
    let wakeCommitter: (() => void) | null = null;
    let wakeReader: (() => void) | null = null;
    const full = (d: Decoded) => d.count >= batchSize || d.bytes >= maxBatchBytes;
    const wake = (w: (() => void) | null) => w?.();
    const reader = (async () => {
      try {
        for await (const m of messages) {
          decodeInto(next, m);
          lastReceived = m.seq;
          status.pending = m.info.pending;
          // Nothing more is waiting: neither on the server (pending) nor already received here
          // (the iterator's queue).
          caughtUp = m.info.pending === 0 && messages.getPending() === 0;
          if (next.count === 1 || caughtUp || full(next)) wake(wakeCommitter);
          while (full(next) && !failed) {
            await new Promise<void>((resolve) => {
              wakeReader = resolve;
            });
          }
          if (failed) break;
        }
      } catch (e) {
        readError = e;
      } finally {
        readerDone = true;
        wake(wakeCommitter);
      }
    })();
    // Progress at intervals, never per event or per batch: silent while there is nothing to do.
    let reported = { at: performance.now(), checkpoint: status.checkpoint };
    const progress =
      progressIntervalMs > 0
        ? setInterval(() => {
            const now = performance.now();
            const events = status.checkpoint - reported.checkpoint;
            const lag = status.pending + Math.max(0, lastReceived - status.checkpoint);
            if (events > 0 || lag > 0) {
              log.info(
                {
                  projector: name,
                  checkpoint: status.checkpoint,
                  events,
                  events_per_s: Math.round((events * 1000) / (now - reported.at)),
                  lag_events: lag,
                },
                'projector progress',
              );
            }
            reported = { at: now, checkpoint: status.checkpoint };
          }, progressIntervalMs)
        : undefined;
    progress?.unref();
    const nextData = () =>
      new Promise<void>((resolve) => {
        wakeCommitter = resolve;
      });
    try {
      for (;;) {
        if (next.count === 0) {
          if (readerDone) break;
          await nextData();
          continue;
        }
        // A partial batch while more is coming waits up to `lingerMs` to fill up.
        const left = next.firstAt + lingerMs - performance.now();
        if (!readerDone && !caughtUp && !full(next) && left > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            nextData(),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, left);
            }),
          ]);
          clearTimeout(timer);
          continue;
        }
        const batch = next;
        batch.chain = chain.take();
        next = emptyBatch(batch.toSeq);
        wake(wakeReader);
        await commit(batch);
      }
      if (lockLost) throw lockLost;
      if (readError) throw readError;
    } catch (e) {
      // stop reading at once: nothing else would ever take what it reads
      failed = true;
      messages.stop();
      wake(wakeReader);
      throw e;
    } finally {
      await reader.catch(() => {});
      clearInterval(lockCheck);
      clearInterval(progress);
      stopConsumer = null;
      messages.stop();
    }
  }

  async function loop(): Promise<void> {
    let backoff = 500;
    while (!abort.signal.aborted) {
      let lock: ReservedSql | null = null;
      try {
        lock = await acquireLock();
        if (!lock) break;
        await project(lock);
        backoff = 500;
      } catch (e) {
        if (abort.signal.aborted) break;
        const err = e as Error;
        status.state = e instanceof CheckpointMovedError ? 'standby' : 'failing';
        status.lastError = err.message;
        log.error({ projector: name, err }, 'projector interrupted; it resumes from its checkpoint');
        await sleep(backoff, abort.signal);
        backoff = Math.min(backoff * 2, 10_000);
      } finally {
        if (lock) {
          await lock`select pg_advisory_unlock(hashtextextended(${name}, 0))`.catch(() => {});
          lock.release();
        }
      }
    }
    status.state = 'stopped';
  }

  return {
    name,
    events,
    status: (): ProjectorStatus => ({ ...status }),
    start(): void {
      running ??= loop();
    },
    /** Applies what was already received, releases the lock and stops. */
    async stop(): Promise<void> {
      abort.abort();
      stopConsumer?.();
      await running;
    },
    /** Resolves when this process has applied `seq` (true) or the timeout passed (false). */
    waitFor(seq: number, timeoutMs: number): Promise<boolean> {
      if (status.checkpoint >= seq) return Promise.resolve(true);
      return new Promise((resolve) => {
        const onCommit = (b: BatchCommitted) => {
          if (b.lastSeq >= seq) done(true);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        function done(ok: boolean) {
          clearTimeout(timer);
          events.off('committed', onCommit);
          resolve(ok);
        }
        events.on('committed', onCommit);
      });
    },
  };
}
export type Projector = ReturnType<typeof createProjector>;
