import { EventEmitter } from 'node:events';
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { ReservedSql } from 'postgres';
import type { Sql } from '../db/client.js';
import type { Subjects } from '../log/subjects.js';
import type { Logger } from '../logger.js';
import { type Batch, CheckpointMovedError, createBatchApplier, readCheckpoint } from './batch.js';
import { createReadModelsProjection } from './read-models.projection.js';

export { PROJECTED_CHANNEL } from './batch.js';

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
  /**
   * Hand the lock over when another process asks on `PROJECTOR_CONTROL_CHANNEL` (see
   * `release()`). On by default.
   */
  listen?: boolean;
  /** Every this many sequences the audit chain's hash is kept as a checkpoint. */
  chainCheckpointEvery?: number;
  /** While projecting, log progress (checkpoint, rate, lag) this often; 0 turns it off. */
  progressIntervalMs?: number;
  /**
   * One partition of a partitioned log (`src/log/partitions.ts`): `owns` says which accounts
   * are its. Events of other accounts are rejected, and the tables partitions share are
   * written under per-user locks (see `ReadModelsOptions.shared`).
   */
  partition?: { owns(accountId: string): boolean };
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
  /** Events applied and rejected, by type (`unknown` for an unreadable one). */
  appliedByType: ReadonlyMap<string, number>;
  rejectedByType: ReadonlyMap<string, number>;
  /** From the start of the transaction to its commit. */
  durationMs: number;
}

/** How long each pull request of the projector's consumer lasts (its heartbeat is half of it). */
const PULL_EXPIRES_MS = 4000;

/**
 * Postgres channel on which a process asks the projector holding the lock to hand it over,
 * `{"projector": name, "release": true}`, and says when it has given it back,
 * `{"projector": name, "released": true}` (processes on standby try at once). The rebuild
 * (`src/replay/rebuild.ts`) uses it to pause live projection while it switches the read models.
 */
export const PROJECTOR_CONTROL_CHANNEL = 'im_hub_projector_control';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
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
  const readModels = createReadModelsProjection({ shared: options.partition });
  const progressIntervalMs = options.progressIntervalMs ?? 10_000;
  const applier = createBatchApplier({
    stream,
    subjects,
    readModels,
    checkpoint: name,
    durableCommit,
    chainCheckpointEvery: options.chainCheckpointEvery,
    owns: options.partition?.owns,
  });

  const events = new EventEmitter<{ committed: [BatchCommitted] }>();
  events.setMaxListeners(0);
  const status: ProjectorStatus = { state: 'idle', checkpoint: 0, pending: 0, lastError: null };
  const abort = new AbortController();
  let running: Promise<void> | null = null;
  let stopConsumer: (() => void) | null = null;
  /** This process holds the lock; and another one asked for it. */
  let holding = false;
  let releaseRequested = false;
  let listening: Promise<{ unlisten(): Promise<void> } | null> | null = null;
  /** Ends the standby wait early (the lock was given back). */
  let retryNow: (() => void) | null = null;
  const standbyWait = () =>
    new Promise<void>((resolve) => {
      retryNow = resolve;
      sleep(lockRetryMs, abort.signal).then(resolve);
    }).finally(() => {
      retryNow = null;
    });

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
      await standbyWait();
    }
    return null;
  }

  /** Applies a batch and reports it. */
  async function commit(d: Batch): Promise<void> {
    const started = performance.now();
    const committed = await applier.commit(sql, d);
    committed();
    if (d.toSeq <= d.fromSeq) return; // nothing applied: redeliveries, or only the chain caught up
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
    status.checkpoint = await readCheckpoint(sql, name);
    // The chain may lag the read models (a database projected before the chain existed): read
    // from the earlier of the two; messages already applied are only chained.
    const startAfter = Math.min(status.checkpoint, (await applier.loadChain(sql)).seq);
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
    // stop() or release() may have come while the consumer was being created: nobody else
    // would stop it
    if (abort.signal.aborted || releaseRequested) messages.stop();
    // A reader decodes messages into the next batch while the current one commits. As soon as
    // a commit ends, everything received meanwhile becomes the next batch: under a steady
    // trickle an event waits for at most the commit in progress and its own, and under load
    // batches grow up to `batchSize` by themselves (group commit).
    let next = applier.empty(status.checkpoint);
    let caughtUp = false;
    let readerDone = false;
    let failed = false;
    let readError: unknown = null;
    let lastReceived = status.checkpoint;
    let wakeCommitter: (() => void) | null = null;
    let wakeReader: (() => void) | null = null;
    const full = (d: Batch) => d.count >= batchSize || d.bytes >= maxBatchBytes;
    const wake = (w: (() => void) | null) => w?.();
    const reader = (async () => {
      try {
        for await (const m of messages) {
          applier.add(next, m);
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
        const batch = applier.cut(next);
        next = applier.empty(batch.toSeq);
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
      let handedOver = false;
      try {
        lock = await acquireLock();
        if (!lock) break;
        holding = true;
        await project(lock);
        handedOver = releaseRequested;
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
        holding = false;
        releaseRequested = false;
        if (lock) {
          await lock`select pg_advisory_unlock(hashtextextended(${name}, 0))`.catch(() => {});
          lock.release();
        }
      }
      if (handedOver) {
        // The one who asked is already waiting for the lock and gets it now; try again later.
        status.state = 'standby';
        log.info({ projector: name }, 'projector handed its lock over on request; on standby');
        await standbyWait();
      }
    }
    status.state = 'stopped';
  }

  /**
   * Hands the lock over: applies what was already received, releases the lock, and stays on
   * standby (retrying every `lockRetryMs`) so that a process already waiting for the lock gets
   * it. Returns false when this process does not hold the lock.
   */
  function release(): boolean {
    if (!holding) return false;
    releaseRequested = true;
    stopConsumer?.();
    return true;
  }

  return {
    name,
    events,
    status: (): ProjectorStatus => ({ ...status }),
    start(): void {
      if (running) return;
      if (options.listen ?? true) {
        listening = sql
          .listen(PROJECTOR_CONTROL_CHANNEL, (payload) => {
            try {
              const m = JSON.parse(payload) as { projector?: string; release?: boolean; released?: boolean };
              if (m.projector !== name) return;
              if (m.release === true) release();
              if (m.released === true) retryNow?.();
            } catch {
              // not a request of ours
            }
          })
          .catch((err: Error) => {
            log.warn({ projector: name, err: err.message }, 'cannot listen for lock hand-over requests');
            return null;
          });
      }
      running = loop();
    },
    release,
    /** Applies what was already received, releases the lock and stops. */
    async stop(): Promise<void> {
      abort.abort();
      stopConsumer?.();
      await running;
      // not awaited: while Postgres is unreachable the subscription may still be connecting
      void listening?.then((l) => l?.unlisten().catch(() => {}));
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
