import type { Sql } from '../db/client.js';
import type { Logger } from '../logger.js';
import { PROJECTED_CHANNEL } from '../projections/batch.js';

export interface CheckpointWatch {
  /** The newest checkpoint seen. */
  current(): number;
  /** Called with each newer checkpoint; returns a function that stops the calls. */
  onAdvance(listener: (checkpoint: number) => void): () => void;
  close(): Promise<void>;
}

/**
 * Follows a projector's checkpoint from any process: each projector commit announces itself
 * with NOTIFY (so listeners wake within a millisecond or so), and a slow poll covers a
 * notification lost while the listening connection reconnects.
 */
export async function createCheckpointWatch(deps: {
  sql: Sql;
  projector: string;
  log: Logger;
  pollMs?: number;
}): Promise<CheckpointWatch> {
  const { sql, projector, log } = deps;
  const listeners = new Set<(checkpoint: number) => void>();
  let checkpoint = 0;

  function advance(seq: number) {
    if (seq <= checkpoint) return;
    checkpoint = seq;
    for (const l of listeners) {
      try {
        l(seq);
      } catch (err) {
        log.error({ err }, 'checkpoint listener failed');
      }
    }
  }

  async function poll() {
    try {
      const [row] = await sql<{ last_seq: number }[]>`
        select last_seq from projector_checkpoints where projector = ${projector}`;
      advance(row?.last_seq ?? 0);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot read the projector checkpoint; retrying');
    }
  }

  const subscription = await sql.listen(PROJECTED_CHANNEL, (payload) => {
    try {
      const n = JSON.parse(payload) as { projector?: string; seq?: number };
      if (n.projector === projector && typeof n.seq === 'number') advance(n.seq);
    } catch {
      // not ours
    }
  });
  await poll();
  const timer = setInterval(poll, deps.pollMs ?? 1000);
  timer.unref();

  return {
    current: () => checkpoint,
    onAdvance(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      clearInterval(timer);
      listeners.clear();
      await subscription.unlisten().catch(() => {});
    },
  };
}
