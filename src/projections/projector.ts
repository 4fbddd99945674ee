import { EventEmitter } from 'node:events';
import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { ReservedSql } from 'postgres';
import { rowCodec } from '../db/bulk.js';
import type { Sql } from '../db/client.js';
import { rejectedEvents } from '../db/schema.js';
import { decodeEvent } from '../events/index.js';
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
}

/**
 * Postgres channel on which each commit announces `{"projector": name, "seq": checkpoint}`, so
 * that live streams in any process wake at once (`src/sync/checkpoint-watch.ts`).
 */
export const PROJECTED_CHANNEL = 'im_hub_projected';

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

  interface Decoded {
    firstSeq: number;
    /** The checkpoint this batch continues from, and the one it moves to. */
    fromSeq: number;
    toSeq: number;
    valid: SequencedEvent[];
    rejected: (typeof rejectedEvents.$inferSelect)[];
    chain: ChainStep;
  }

  /** Parses a batch against the contract (pure CPU work, done while the previous batch commits). */
  function decode(batch: JsMsg[], fromSeq: number): Decoded {
    const valid: SequencedEvent[] = [];
    const rejected: Decoded['rejected'] = [];
    for (const m of batch) {
      chain.append(m); // every stored message is chained, the ones rejected below too
      if (m.seq <= fromSeq) continue; // already applied (redelivery after a reconnect, or the chain catching up)
      const parsed = decodeEvent(m.data);
      let reason = parsed.ok ? null : parsed.reason;
      if (parsed.ok) {
        const where = subjects.parse(m.subject);
        if (!where || where.accountId !== parsed.event.account_id || where.type !== parsed.event.type) {
          reason = `subject ${m.subject} does not match the event's account_id and type`;
        }
      }
      if (reason === null && parsed.ok) valid.push(readModels.prepare(sequenced(m.seq, parsed.event)));
      else {
        rejected.push({
          stream,
          seq: m.seq,
          subject: m.subject,
          reason: reason ?? 'unknown',
          raw: rawText(m.data),
          storedAt: Math.floor(m.info.timestampNanos / 1e6),
        });
      }
    }
    return {
      firstSeq: batch[0]!.seq,
      fromSeq,
      toSeq: Math.max(fromSeq, batch[batch.length - 1]!.seq),
      valid,
      rejected,
      chain: chain.take(),
    };
  }

  /** Read models, rejected events, the audit chain and the checkpoint, in one transaction. */
  async function commit(d: Decoded): Promise<void> {
    const advances = d.toSeq > d.fromSeq;
    if (!advances && d.chain.to.seq === d.chain.from.seq) return;
    let committed = () => {};
    await sql.begin(async (tx) => {
      if (!durableCommit) void tx`set local synchronous_commit = off`;
      committed = await readModels.apply(tx, d.valid);
      await rejectedRows.insertNew(tx, d.rejected);
      if (!(await chain.write(tx, d.chain))) throw new CheckpointMovedError(d.fromSeq);
      // Compare-and-set: if another process moved the checkpoint, nothing of this batch commits.
      const moved = await tx<{ last_seq: number }[]>`
        update projector_checkpoints set last_seq = ${d.toSeq}
        where projector = ${name} and last_seq = ${d.fromSeq} returning last_seq`;
      if (moved.length !== 1) throw new CheckpointMovedError(d.fromSeq);
      // delivered to listeners when (and only if) the transaction commits
      if (advances)
        await tx`select pg_notify(${PROJECTED_CHANNEL}, ${JSON.stringify({ projector: name, seq: d.toSeq })})`;
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
    // Pull in bounded rounds: a very large pull request stalls the ordered consumer.
    const messages = await consumer.consume({ max_messages: Math.min(batchSize * 2, 10_000) });
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
    const iterator = messages[Symbol.asyncIterator]();
    let buffer: JsMsg[] = [];
    let bytes = 0;
    let decodedThrough = status.checkpoint;
    // One batch commits while the next is read and decoded; commits stay in order.
    let inflight: Promise<void> = Promise.resolve();
    const flush = async () => {
      if (buffer.length === 0) return;
      const decoded = decode(buffer, decodedThrough);
      decodedThrough = decoded.toSeq;
      buffer = [];
      bytes = 0;
      await inflight;
      inflight = commit(decoded);
      // A failed commit stops the consumer at once, so the loop ends and rethrows it: with no
      // further messages nothing else would ever await it.
      inflight.catch(() => messages.stop());
    };
    try {
      let next: Promise<IteratorResult<JsMsg>> | null = null;
      for (;;) {
        next ??= iterator.next();
        let result: IteratorResult<JsMsg> | 'linger';
        if (buffer.length === 0) result = await next;
        else {
          let timer: NodeJS.Timeout | undefined;
          result = await Promise.race([
            next,
            new Promise<'linger'>((resolve) => {
              timer = setTimeout(() => resolve('linger'), lingerMs);
            }),
          ]);
          clearTimeout(timer);
          if (result === 'linger') {
            await flush();
            continue;
          }
        }
        next = null;
        if (result.done) break;
        const m = result.value;
        buffer.push(m);
        bytes += m.data.length;
        status.pending = m.info.pending;
        // Apply now when the batch is full, or when nothing more is waiting: neither on the
        // server (pending) nor already received here (the iterator's queue).
        const caughtUp = m.info.pending === 0 && messages.getPending() === 0;
        if (buffer.length >= batchSize || bytes >= maxBatchBytes || caughtUp) await flush();
      }
      await flush();
      await inflight;
      if (lockLost) throw lockLost;
    } finally {
      await inflight.catch(() => {}); // never leave a commit running behind a released lock
      clearInterval(lockCheck);
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
