import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';

export interface RangeOptions {
  /** First sequence to read (1 for the whole log). */
  fromSeq: number;
  /** Last sequence to read; at most the stream's last sequence, or the reader waits for it. */
  toSeq: number;
  /**
   * Only this subject (e.g. one account's, `subjects.account(id)`); all when absent. One
   * subject: several need nats-server 2.10.
   */
  filterSubject?: string;
  /** Messages asked of the server at a time. */
  pull?: number;
}

/**
 * The stored messages from `fromSeq` to `toSeq`, in sequence order, read with an ordered
 * consumer (no acknowledgements, no state on the server once it is done).
 *
 * @example for await (const m of readRange(js, jsm, 'IMHUB_EVENTS', { fromSeq: 1, toSeq: 1000 })) …
 */
export async function* readRange(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  o: RangeOptions,
): AsyncGenerator<JsMsg> {
  if (o.toSeq < o.fromSeq) return;
  const filter = o.filterSubject;
  if (filter) {
    // with a filter, nothing may ever come: ask the stream whether anything matches at all
    const info = await jsm.streams.info(stream, { subjects_filter: filter });
    if (Object.keys(info.state.subjects ?? {}).length === 0) return;
  }
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, o.fromSeq),
    ...(filter ? { filter_subjects: filter } : {}),
  });
  // Bounded pulls: a very large pull request stalls the ordered consumer.
  const messages = await consumer.consume({ max_messages: o.pull ?? 10_000 });
  try {
    for await (const m of messages) {
      if (m.seq > o.toSeq) break;
      yield m;
      // filtered, the last matching message may come before toSeq
      if (m.seq >= o.toSeq || (filter && m.info.pending === 0)) break;
    }
  } finally {
    messages.stop();
  }
}
