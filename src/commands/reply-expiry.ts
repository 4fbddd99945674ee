import type { Drizzle } from '../db/client.js';
import type { HubEvent } from '../events/index.js';
import type { Publisher } from '../log/publisher.js';
import type { Logger } from '../logger.js';
import { dueReplies } from '../queries/replies.queries.js';

export interface ReplySweeperDeps {
  db: Drizzle;
  publisher: Publisher;
  log: Logger;
  /** Sweep only while true: in the process that projects, whose read model is the freshest. */
  isActive: () => boolean;
  clock?: () => number;
}

export interface ReplySweeperOptions {
  /** Time between sweeps. */
  intervalMs?: number;
  /** Most replies expired in one sweep (the rest wait for the next). */
  batchSize?: number;
}

/** The event that expires a reply: its id is a function of the reply's, so a repeat is stored once. */
export function replyExpired(reply: { replyId: string; accountId: string }, now: number): HubEvent {
  return {
    event_id: `${reply.replyId}-expired`,
    type: 'ReplyExpired',
    schema_version: 1,
    account_id: reply.accountId,
    occurred_at: now,
    captured_at: now,
    payload: { reply_id: reply.replyId, expired_at: now },
  };
}

/**
 * Turns time into events: replies still pending at their `expires_at` get a `ReplyExpired`
 * on the log. The wall clock is read here, never in the projection, which only applies the
 * event (and its `expired_at`) where the log has it, so a replay expires the same replies.
 * An outcome that reached the log before the expiry wins; two sweepers (or two sweeps before
 * the first expiry is projected) append one event, de-duplicated by its id.
 */
export function createReplySweeper(deps: ReplySweeperDeps, options: ReplySweeperOptions = {}) {
  const { db, publisher, log, isActive } = deps;
  const clock = deps.clock ?? Date.now;
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  /** Expires the replies due now; returns how many expiries it appended. */
  async function sweep(): Promise<number> {
    const now = clock();
    const due = await dueReplies(db, now, batchSize);
    if (due.length === 0) return 0;
    const results = await publisher.publishMany(due.map((r) => replyExpired(r, now)));
    const appended = results.filter((r) => !r.duplicate).length;
    if (appended > 0) log.info({ expired: appended }, 'expired replies still pending past their time');
    return appended;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = (isActive() ? sweep() : Promise.resolve(0))
        .catch((err: Error) => log.warn({ err }, 'reply sweep failed; it runs again'))
        .finally(schedule);
    }, intervalMs);
  }

  return {
    sweep,
    start(): void {
      if (timer === null && !stopped) schedule();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
export type ReplySweeper = ReturnType<typeof createReplySweeper>;
