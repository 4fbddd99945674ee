import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { inArray } from 'drizzle-orm';
import type { Drizzle, Sql } from '../db/client.js';
import { accounts } from '../db/schema.js';
import { type Partition, type Partitions, singlePartition } from '../log/partitions.js';
import type { Subjects } from '../log/subjects.js';
import type { Logger } from '../logger.js';
import { type CheckpointWatch, createCheckpointWatch } from './checkpoint-watch.js';
import { type DeviceCursors, devicesBucket, openDeviceCursors } from './devices.js';
import { createLiveHub, type LiveHub, type LiveOptions, type LiveStats } from './live.js';
import { createChangesReader, type SyncChanges } from './sync.queries.js';

/** The log the read models come from: one stream, or every partition of a partitioned log. */
export type SyncLog =
  | {
      stream: string;
      subjects: Subjects;
      /** Checkpoint name of the projector that builds the read models. */
      projector: string;
    }
  | { partitions: Partitions };

export type SyncDeps = SyncLog & {
  db: Drizzle;
  sql: Sql;
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
};

/**
 * Every method is of one account, and reads that account's partition: its stream and its
 * projector's checkpoint. A cursor is a sequence of that stream.
 */
export interface Sync {
  read(accountId: string, cursor: number, limit: number): Promise<SyncChanges>;
  /** The checkpoint of the projector of the account's partition. */
  checkpoint(accountId: string): Promise<number>;
  /** How many sequences after the cursor changed the account, counted up to `cap`. */
  pending(accountId: string, cursor: number, cap: number): Promise<number>;
  /** The cursor just before the account's first event stored at or after `ms`. */
  cursorAt(accountId: string, ms: number): Promise<number>;
  /** When the log stored the account's event at `seq` (epoch ms); null for 0. */
  storedAt(accountId: string, seq: number): Promise<number | null>;
  devices: DeviceCursors;
  live: LiveHub;
  close(): Promise<void>;
}

/** The last millisecond of year 9999: later times cannot be written as a JetStream start time. */
const LAST_RFC3339_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const defaultLiveOptions: LiveOptions = {
  heartbeatMs: 15_000,
  maxBufferBytes: 4 * 1024 * 1024,
  pageLimit: 1000,
  coalesceMs: 20,
};

/** Sync pages, device cursors and the live stream over the read models and the log. */
export async function createSync(deps: SyncDeps, live: Partial<LiveOptions> = {}): Promise<Sync> {
  const { db, sql, js, jsm, log } = deps;
  const partitions =
    'partitions' in deps ? deps.partitions : singlePartition(deps.stream, deps.subjects, deps.projector);
  const devices = await openDeviceCursors(js, devicesBucket(partitions.base));
  const lastSeqOf = async (ids: string[]) => {
    const rows = await db
      .select({ id: accounts.accountId, lastSeq: accounts.lastSeq })
      .from(accounts)
      .where(inArray(accounts.accountId, ids));
    return new Map(rows.map((r) => [r.id, r.lastSeq]));
  };
  const parts: PartitionSync[] = [];
  try {
    for (const p of partitions.list) {
      parts.push(await createPartitionSync({ db, sql, js, jsm, log, partition: p, lastSeqOf }, live));
    }
  } catch (e) {
    await Promise.all(parts.map((p) => p.close()));
    throw e;
  }
  const of = (accountId: string) => parts[partitions.of(accountId).index]!;

  return {
    read: (accountId, cursor, limit) => of(accountId).read(accountId, cursor, limit),
    checkpoint: (accountId) => of(accountId).checkpoint(),
    pending: (accountId, cursor, cap) => of(accountId).pending(accountId, cursor, cap),
    cursorAt: (accountId, ms) => of(accountId).cursorAt(accountId, ms),
    storedAt: (accountId, seq) => of(accountId).storedAt(seq),
    devices,
    live: {
      connect: (accountId, cursor, sink) => of(accountId).live.connect(accountId, cursor, sink),
      stats: () => sumStats(parts.map((p) => p.live.stats())),
      async close() {
        await Promise.all(parts.map((p) => p.live.close()));
      },
    },
    async close() {
      await Promise.all(parts.map((p) => p.close()));
    },
  };
}

function sumStats(all: LiveStats[]): LiveStats {
  const total: LiveStats = {
    connections: 0,
    accounts: 0,
    connected_total: 0,
    closed_total: 0,
    dropped_slow_total: 0,
    events_sent_total: 0,
  };
  for (const s of all) for (const k of Object.keys(total) as (keyof LiveStats)[]) total[k] += s[k];
  return total;
}

type PartitionSync = Awaited<ReturnType<typeof createPartitionSync>>;

/** The changes feed, the checkpoint watch and the live groups of one partition. */
async function createPartitionSync(
  deps: {
    db: Drizzle;
    sql: Sql;
    js: JetStreamClient;
    jsm: JetStreamManager;
    log: Logger;
    partition: Partition;
    lastSeqOf: (ids: string[]) => Promise<Map<string, number>>;
  },
  live: Partial<LiveOptions>,
) {
  const { db, sql, js, jsm, log, partition, lastSeqOf } = deps;
  const { stream, subjects, projector } = partition;
  const changes = createChangesReader(db, sql, projector);
  const read = (accountId: string, cursor: number, limit: number, checkpoint?: number) =>
    changes.read({ accountId, cursor, limit, checkpoint });
  const checkpoint = async () => {
    const [row] = await sql<{ last_seq: number }[]>`
      select last_seq from projector_checkpoints where projector = ${projector}`;
    return row?.last_seq ?? 0;
  };
  const watch: CheckpointWatch = await createCheckpointWatch({ sql, projector, log });
  const hub = createLiveHub({ read, watch, log, lastSeqOf }, { ...defaultLiveOptions, ...live });

  return {
    read,
    checkpoint,
    pending: (accountId: string, cursor: number, cap: number) =>
      changes.count({ accountId, cursor, limit: cap }),
    live: hub,
    async cursorAt(accountId: string, ms: number) {
      // Past year 9999 a time has no RFC 3339 form for the server; no event is stored that late.
      if (ms > LAST_RFC3339_MS) return Math.max(await checkpoint(), 0);
      // An ephemeral consumer from that time, on the account's subjects: its first message is
      // the event we want. (Direct get by time needs a newer server than 2.9.)
      const info = await jsm.consumers.add(stream, {
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(ms).toISOString(),
        filter_subject: subjects.account(accountId),
        inactive_threshold: 30_000_000_000, // 30 s, in nanoseconds
        mem_storage: true,
      });
      try {
        if (info.num_pending === 0) return Math.max(await checkpoint(), 0);
        const consumer = await js.consumers.get(stream, info.name);
        const m = await consumer.next({ expires: 5000 });
        if (!m) throw new Error(`the log did not deliver the event after ${new Date(ms).toISOString()}`);
        return m.seq - 1;
      } finally {
        await jsm.consumers.delete(stream, info.name).catch(() => {});
      }
    },
    async storedAt(seq: number) {
      if (seq <= 0) return null;
      const m = await jsm.streams.getMessage(stream, { seq });
      return m ? m.time.getTime() : null;
    },
    async close() {
      await hub.close();
      await watch.close();
    },
  };
}
