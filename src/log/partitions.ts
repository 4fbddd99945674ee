import { createSubjects, type Subjects } from './subjects.js';

/** Most partitions a log may have (each is a stream, a projector and a lock). */
export const MAX_PARTITIONS = 256;

const utf8 = new TextEncoder();

/**
 * The partition of an account: FNV-1a (32 bits) of its id's UTF-8 bytes, modulo `count`.
 * Stable across processes, languages and versions: workers and the hub compute the same
 * partition without asking anyone, and an account never moves while `count` stays the same.
 *
 * @example partitionIndex('dy_10001', 4) // 1
 */
export function partitionIndex(accountId: string, count: number): number {
  if (count === 1) return 0;
  let hash = 0x811c9dc5;
  for (const b of utf8.encode(accountId)) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

/** One partition of the log: its stream, its subjects and the checkpoint of its projector. */
export interface Partition {
  index: number;
  stream: string;
  subjects: Subjects;
  /** Checkpoint row (and lock) of the projector that applies this partition. */
  projector: string;
}

export interface Partitions {
  count: number;
  /** `STREAM_NAME`: what names things of the whole log (the device cursors' bucket). */
  base: string;
  list: readonly Partition[];
  /** The partition that holds every event of the account. */
  of(accountId: string): Partition;
}

export interface PartitionsOptions {
  /** `STREAM_NAME`: the stream itself with one partition, the base of the names with more. */
  stream: string;
  /** `SUBJECT_PREFIX`. */
  prefix: string;
  /** `PARTITIONS`. */
  count: number;
}

/** The name of the projector (and its checkpoint row) that applies a stream. */
export const projectorName = (stream: string) => `read-models:${stream}`;

/**
 * The layout of a partitioned log. With one partition it is exactly the unpartitioned log
 * (`STREAM_NAME` on `<prefix>.>`); with P > 1, partition i is stream `<STREAM_NAME>_P<i>` on
 * subjects `<prefix>.p<i>.<account>.<Type>`.
 *
 * @example
 * const partitions = createPartitions({ stream: 'IMHUB_EVENTS', prefix: 'imhub.events', count: 4 });
 * partitions.of('dy_10001'); // { index: 1, stream: 'IMHUB_EVENTS_P1', subjects: …, projector: 'read-models:IMHUB_EVENTS_P1' }
 */
export function createPartitions(o: PartitionsOptions): Partitions {
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > MAX_PARTITIONS) {
    throw new Error(`the partition count must be a whole number from 1 to ${MAX_PARTITIONS}, not ${o.count}`);
  }
  const list: Partition[] = Array.from({ length: o.count }, (_, index) => {
    const stream = o.count === 1 ? o.stream : `${o.stream}_P${index}`;
    const subjects = createSubjects(o.count === 1 ? o.prefix : `${o.prefix}.p${index}`);
    return { index, stream, subjects, projector: projectorName(stream) };
  });
  return {
    count: o.count,
    base: o.stream,
    list,
    of: (accountId) => list[partitionIndex(accountId, o.count)]!,
  };
}

/** A log of one stream, as `Partitions` (what an unpartitioned caller passes on). */
export function singlePartition(
  stream: string,
  subjects: Subjects,
  projector = projectorName(stream),
): Partitions {
  const only: Partition = { index: 0, stream, subjects, projector };
  return { count: 1, base: stream, list: [only], of: () => only };
}
