import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { inArray } from 'drizzle-orm';
import type { Drizzle, Sql } from '../db/client.js';
import { accounts } from '../db/schema.js';
import type { Subjects } from '../log/subjects.js';
import type { Logger } from '../logger.js';
import { type CheckpointWatch, createCheckpointWatch } from './checkpoint-watch.js';
import { type DeviceCursors, devicesBucket, openDeviceCursors } from './devices.js';
import { createLiveHub, type LiveHub, type LiveOptions } from './live.js';
import { createChangesReader, type SyncChanges } from './sync.queries.js';

export interface SyncDeps {
  db: Drizzle;
  sql: Sql;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjects: Subjects;
  /** Checkpoint name of the projector that builds the read models. */
  projector: string;
  log: Logger;
}

export interface Sync {
  read(accountId: string, cursor: number, limit: number): Promise<SyncChanges>;
  checkpoint(): Promise<number>;
  /** How many sequences after the cursor changed the account, counted up to `cap`. */
  pending(accountId: string, cursor: number, cap: number): Promise<number>;
  /** The cursor just before the account's first event stored at or after `ms`. */
  cursorAt(accountId: string, ms: number): Promise<number>;
  /** When the log stored the event at `seq` (epoch ms); null for 0. */
  storedAt(seq: number): Promise<number | null>;
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
  const { db, sql, js, jsm, stream, subjects, projector, log } = deps;
  const changes = createChangesReader(db, sql, projector);
  const read = (accountId: string, cursor: number, limit: number) =>
    changes.read({ accountId, cursor, limit });
  const checkpoint = async () => {
    const [row] = await sql<{ last_seq: number }[]>`
      select last_seq from projector_checkpoints where projector = ${projector}`;
    return row?.last_seq ?? 0;
  };
  const devices = await openDeviceCursors(js, devicesBucket(stream));
  const watch: CheckpointWatch = await createCheckpointWatch({ sql, projector, log });
  const hub = createLiveHub(
    {
      read,
      watch,
      log,
      async lastSeqOf(ids) {
        const rows = await db
          .select({ id: accounts.accountId, lastSeq: accounts.lastSeq })
          .from(accounts)
          .where(inArray(accounts.accountId, ids));
        return new Map(rows.map((r) => [r.id, r.lastSeq]));
      },
    },
    { ...defaultLiveOptions, ...live },
  );

  return {
    read,
    checkpoint,
    pending: (accountId, cursor, cap) => changes.count({ accountId, cursor, limit: cap }),
    devices,
    live: hub,
    async cursorAt(accountId, ms) {
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
    async storedAt(seq) {
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
