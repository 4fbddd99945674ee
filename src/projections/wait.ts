import type { Sql } from '../db/client.js';
import type { Projector } from './projector.js';

/**
 * Resolves when the read models include stream sequence `seq` (true), or after `timeoutMs`
 * (false). With a partitioned log, `seq` is a sequence of `accountId`'s partition. In the
 * process that projects it listens to the projector; in any other process it polls the
 * checkpoint, which commits with the read models.
 */
export type WaitForSeq = (seq: number, timeoutMs: number, accountId?: string) => Promise<boolean>;

/**
 * `projector` is the projector of this process, or only the name of one that runs elsewhere
 * (a process in the `api` role): then the checkpoint is polled.
 */
export function createProjectionWaiter(deps: {
  sql: Sql;
  projector: Projector | { name: string };
  pollMs?: number;
}): WaitForSeq {
  const { projector } = deps;
  const poll = pollCheckpoint(deps.sql, projector.name, deps.pollMs);
  return async (seq, timeoutMs) =>
    'status' in projector && projector.status().state === 'projecting'
      ? projector.waitFor(seq, timeoutMs)
      : poll(seq, timeoutMs);
}

/** Waits by reading a projector's committed checkpoint, from a process that does not project. */
export function pollCheckpoint(sql: Sql, projector: string, pollMs = 10): WaitForSeq {
  return async (seq, timeoutMs) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await sql<{ last_seq: number }[]>`
        select last_seq from projector_checkpoints where projector = ${projector}`;
      if ((row?.last_seq ?? 0) >= seq) return true;
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
}
