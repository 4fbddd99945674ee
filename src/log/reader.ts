import {
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgRequest,
} from '@nats-io/jetstream';

export interface LogReaderDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
}

export interface RangeQuery {
  /** First stream sequence to read (≥ 1). */
  fromSeq: number;
  /** Last stream sequence to read, inclusive. */
  toSeq: number;
  /** One subject filter (NATS 2.9 takes one per consumer); the stream's messages on it only. */
  subject: string;
  /** Messages the consumer may hold ahead of the reader: what bounds the reader's memory. */
  window?: number;
}

/**
 * The stored messages of a range, in sequence order, read with an ordered consumer: what the
 * projector, the audit history and the export read. The consumer pulls the next round only as
 * the reader takes messages, so a slow reader (an HTTP client, a file on a slow disk) holds at
 * most `window` messages in memory, however long the range. Leaving the loop early stops it.
 *
 * @example
 * for await (const m of readRange(deps, { fromSeq: 1, toSeq: 5000, subject: subjects.all })) …
 */
export async function* readRange(deps: LogReaderDeps, q: RangeQuery): AsyncGenerator<JsMsg> {
  if (q.fromSeq > q.toSeq) return;
  // A consumer with nothing to deliver would wait: find the first message on the subject first.
  // Asked of the stream's leader (a direct get may be answered by a replica that lags); the
  // server (2.9+) takes `next_by_subj` there too, though the client's type only lists it for
  // direct gets.
  const first = await deps.jsm.streams.getMessage(deps.stream, {
    seq: q.fromSeq,
    next_by_subj: q.subject,
  } as unknown as MsgRequest);
  if (!first || first.seq > q.toSeq) return;
  const consumer = await deps.js.consumers.get(deps.stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: first.seq,
    filter_subjects: q.subject,
  });
  const messages = await consumer.consume({ max_messages: q.window ?? 1000 });
  try {
    for await (const m of messages) {
      if (m.seq > q.toSeq) break;
      yield m;
      // `pending` is what the stream holds on the subject after this one: none, the range is done
      if (m.seq >= q.toSeq || m.info.pending === 0) break;
    }
  } finally {
    messages.stop();
  }
}

/** One stored message by sequence (from the stream's leader), or null when the stream has none there. */
export async function getStored(deps: LogReaderDeps, seq: number) {
  return deps.jsm.streams.getMessage(deps.stream, { seq });
}
