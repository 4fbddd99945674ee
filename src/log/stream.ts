import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { Partitions } from './partitions.js';
import type { Subjects } from './subjects.js';

export interface StreamOptions {
  name: string;
  subjects: Subjects;
  /** De-duplication window for `Nats-Msg-Id` (the event id). */
  duplicateWindowMs: number;
  replicas: number;
}

const NANOS_PER_MS = 1_000_000;

/** The stream is the audit log: nothing expires and nothing can be deleted or purged. */
export function streamConfig(o: StreamOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: o.name,
    subjects: [o.subjects.all],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
    num_replicas: o.replicas,
    duplicate_window: o.duplicateWindowMs * NANOS_PER_MS,
    deny_delete: true,
    deny_purge: true,
    allow_rollup_hdrs: false,
    allow_direct: true,
  };
}

function isNotFound(e: unknown): boolean {
  return e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.StreamNotFound || e.status === 404);
}

/**
 * Creates the stream, or brings an existing one to the wanted configuration. Safe to call
 * from every process at start-up.
 */
export async function ensureStream(jsm: JetStreamManager, o: StreamOptions): Promise<StreamInfo> {
  const wanted = streamConfig(o);
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(o.name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    try {
      return await jsm.streams.add(wanted);
    } catch (addError) {
      // Another process created it between our look-up and add.
      if (addError instanceof JetStreamApiError && addError.code === 10058) return jsm.streams.info(o.name);
      throw addError;
    }
  }
  const c = info.config;
  const same =
    c.subjects.length === 1 &&
    c.subjects[0] === o.subjects.all &&
    c.duplicate_window === wanted.duplicate_window &&
    c.num_replicas === wanted.num_replicas &&
    c.deny_delete === true &&
    c.deny_purge === true &&
    c.max_age === 0;
  if (same) return info;
  try {
    return await jsm.streams.update(o.name, { ...c, ...wanted });
  } catch (e) {
    throw new Error(
      `stream ${o.name} exists with a configuration that cannot be updated to the wanted one (${(e as Error).message}); ` +
        'use another stream name (STREAM_NAME) or fix the stream with the nats CLI',
      { cause: e },
    );
  }
}

async function lastSeqOf(jsm: JetStreamManager, name: string): Promise<number | null> {
  try {
    return (await jsm.streams.info(name)).state.last_seq;
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

/**
 * Creates or updates the stream of every partition, after checking that the log was not
 * created with another partition count: accounts never move between partitions, so a log keeps
 * the count it was created with (a changed count would send accounts to streams that do not
 * hold their history).
 */
export async function ensurePartitionStreams(
  jsm: JetStreamManager,
  partitions: Partitions,
  o: Omit<StreamOptions, 'name' | 'subjects'>,
): Promise<StreamInfo[]> {
  const { base, count, list } = partitions;
  const fixIt = `A log keeps the partition count it was created with: set PARTITIONS back to it, or use another STREAM_NAME for a new log.`;
  const others = count === 1 ? [`${base}_P0`] : [base, `${base}_P${count}`];
  for (const name of others) {
    if ((await lastSeqOf(jsm, name)) !== null) {
      throw new Error(
        `stream ${name} exists, so this log was created with another PARTITIONS than ${count}. ${fixIt}`,
      );
    }
  }
  if (count > 1) {
    const seqs = await Promise.all(list.map((p) => lastSeqOf(jsm, p.stream)));
    const missing = list.filter((_, i) => seqs[i] === null).map((p) => p.stream);
    if (missing.length > 0 && seqs.some((s) => s !== null && s > 0)) {
      throw new Error(
        `streams ${missing.join(', ')} are missing while other partitions hold events, so this log was created with fewer PARTITIONS than ${count}. ${fixIt}`,
      );
    }
  }
  return Promise.all(list.map((p) => ensureStream(jsm, { ...o, name: p.stream, subjects: p.subjects })));
}
