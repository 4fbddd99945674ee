import type { Sql, Tx } from '../db/client.js';
import { chainHash, GENESIS_HASH } from '../log/chain.js';
import type { LogMsg } from '../log/range-reader.js';

/** A point of the chain: a stream sequence and the hash up to and including it. */
export interface ChainPoint {
  seq: number;
  hash: string;
}

/** What one batch adds to the chain: from the head it started at to the new head. */
export interface ChainStep {
  from: ChainPoint;
  to: ChainPoint;
  checkpoints: ChainPoint[];
}

/**
 * The audit hash chain as a projection (see `src/log/chain.ts` for what is hashed). It links
 * every message the projector reads, rejected ones too, and is written in the projector's
 * transaction: the head (the last sequence chained and its hash) moves by compare-and-set like
 * the checkpoint, and every `every`-th sequence's hash is kept as a checkpoint.
 *
 * Pure apart from `load` and `write`: the same log gives the same rows.
 */
export function createChainProjection(stream: string, every: number) {
  if (!Number.isInteger(every) || every < 1) throw new Error('the chain checkpoint interval must be ≥ 1');
  let head: ChainPoint = { seq: 0, hash: GENESIS_HASH };
  let step: ChainStep = { from: head, to: head, checkpoints: [] };

  return {
    /** Reads the committed head (creating it at the genesis) and starts from it. */
    async load(sql: Sql): Promise<ChainPoint> {
      await sql`
        insert into audit_chain_heads (stream, seq, hash) values (${stream}, 0, ${GENESIS_HASH})
        on conflict do nothing`;
      const [row] = await sql<ChainPoint[]>`select seq, hash from audit_chain_heads where stream = ${stream}`;
      head = { seq: row!.seq, hash: row!.hash };
      step = { from: head, to: head, checkpoints: [] };
      return head;
    },

    /** Continues from a head read elsewhere (a replay's reader thread has no database). */
    start(from: ChainPoint): void {
      head = from;
      step = { from: head, to: head, checkpoints: [] };
    },

    /** Links one message read from the log; one already chained (a redelivery) is skipped. */
    append(m: LogMsg): void {
      if (m.seq <= head.seq) return;
      head = {
        seq: m.seq,
        hash: chainHash(head.hash, {
          seq: m.seq,
          storedNs: m.timestampNanos,
          subject: m.subject,
          data: m.data,
        }),
      };
      if (m.seq % every === 0) step.checkpoints.push(head);
      step.to = head;
    },

    /** What was linked since the last call, to commit with the batch. */
    take(): ChainStep {
      const taken = step;
      step = { from: head, to: head, checkpoints: [] };
      return taken;
    },

    /**
     * Writes a step inside the batch's transaction. False when the head is no longer where the
     * step started (another process chained): then nothing of the batch may commit.
     */
    async write(tx: Tx, s: ChainStep): Promise<boolean> {
      if (s.to.seq === s.from.seq) return true;
      const moved = await tx`
        update audit_chain_heads set seq = ${s.to.seq}, hash = ${s.to.hash}
        where stream = ${stream} and seq = ${s.from.seq} returning seq`;
      if (moved.length !== 1) return false;
      if (s.checkpoints.length > 0) {
        await tx`
          insert into audit_chain_checkpoints (stream, seq, hash)
          select ${stream}, * from unnest(${s.checkpoints.map((c) => c.seq)}::bigint[], ${s.checkpoints.map((c) => c.hash)}::text[])`;
      }
      return true;
    },
  };
}
export type ChainProjection = ReturnType<typeof createChainProjection>;
