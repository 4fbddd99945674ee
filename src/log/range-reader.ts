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
 * It fetches `pull` messages at a time and asks for the next ones only when the caller has
 * taken these: memory stays bounded however far behind the caller is (a `consume()` keeps
 * pulling as messages arrive, so a slow reader would buffer the rest of the log). Each fetch
 * asks for no more than the messages known to be there, so none waits for its expiry.
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
  const pull = o.pull ?? 10_000;
  const filter = o.filterSubject;
  /** Messages still to come that are known to be stored (an upper bound when filtered). */
  let left = o.toSeq - Math.max(1, o.fromSeq) + 1;
  if (filter) {
    // with a filter, nothing may ever come: ask the stream how much matches
    const info = await jsm.streams.info(stream, { subjects_filter: filter });
    left = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    if (left === 0) return;
  }
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, o.fromSeq),
    ...(filter ? { filter_subjects: filter } : {}),
  });
  for (;;) {
    const batch = await consumer.fetch({ max_messages: Math.min(pull, left), expires: 30_000 });
    let got = 0;
    for await (const m of batch) {
      got++;
      if (m.seq > o.toSeq) return;
      yield m;
      // filtered, the last matching message may come before toSeq
      if (m.seq >= o.toSeq || (filter && m.info.pending === 0)) return;
      left = filter ? m.info.pending : o.toSeq - m.seq;
    }
    if (got === 0)
      throw new Error(`stream ${stream} had no message where ${o.fromSeq}..${o.toSeq} was expected`);
  }
}
