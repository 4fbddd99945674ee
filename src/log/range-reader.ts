import {
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgRequest,
} from '@nats-io/jetstream';

/**
 * A stored message as the log's readers use it: the part of a `JsMsg` they read (a `JsMsg`
 * is one), so that code applying messages takes either a consumer's or `readRange`'s.
 */
export interface LogMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Its stream sequence. */
  readonly seq: number;
  /** When the log stored it, in nanoseconds since the epoch. */
  readonly timestampNanos: bigint;
  readonly info: { readonly pending: number; readonly timestampNanos: number };
}

/**
 * A message as `readRange` yields it: its sequence, time and what is pending read once, and its
 * body taken once. A `JsMsg` splits its reply subject again for `timestampNanos` (its `info`,
 * which the client reads for itself anyway, is kept), and makes a new view of the body at
 * every `data`.
 */
class RangeMsg implements LogMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly seq: number;
  readonly pending: number;
  readonly timestampNanos: bigint;
  constructor(m: JsMsg) {
    this.subject = m.subject;
    this.data = m.data;
    const info = m.info;
    this.seq = info.streamSequence;
    this.pending = info.pending;
    this.timestampNanos = storedNs(m, info.timestampNanos);
  }
  get info(): { pending: number; timestampNanos: number } {
    return { pending: this.pending, timestampNanos: Number(this.timestampNanos) };
  }
}

/**
 * The time a message was stored, in nanoseconds, exactly (`info.timestampNanos`, a float, is
 * not): the reply subject's token before the last, `….<time>.<pending>`, when it is the time
 * `info` read; else the client's own reading.
 */
function storedNs(m: JsMsg, approximate: number): bigint {
  const reply = (m as unknown as { reply?: unknown }).reply; // the client's messages have it
  if (typeof reply === 'string') {
    const end = reply.lastIndexOf('.');
    const token = reply.slice(reply.lastIndexOf('.', end - 1) + 1, end);
    if (token !== '' && Number(token) === approximate && /^[0-9]+$/.test(token)) return BigInt(token);
  }
  return m.timestampNanos;
}

export interface LogReaderDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
}

export interface RangeQuery {
  /** First stream sequence to read (1 for the whole log). */
  fromSeq: number;
  /** Last stream sequence to read, inclusive; past the stream's last one, the read ends there. */
  toSeq: number;
  /**
   * Only the messages on this subject (e.g. one account's, `subjects.account(id)`); every
   * message when absent. One subject: several need nats-server 2.10.
   */
  subject?: string;
  /**
   * Messages asked of the server at a time, and so the most the reader holds in memory ahead
   * of its caller. 10,000 by default.
   */
  window?: number;
}

/**
 * The stored messages of a range, in sequence order, read with an ordered consumer (no
 * acknowledgements, no state on the server once it is done): what the replay, `state`, the
 * audit history and the export read.
 *
 * It fetches `window` messages at a time and asks for the next ones only when the caller has
 * taken these: memory stays bounded however far behind the caller is (a `consume()` keeps
 * pulling as messages arrive, so a slow reader, an HTTP client or a file on a slow disk, would
 * buffer the rest of the log). Each fetch asks for no more than the messages the server says
 * are still there (`pending`), so none waits for its expiry, and a range that runs past the
 * stream's end ends at the last message. Leaving the loop early stops the fetch in progress.
 *
 * @example for await (const m of readRange(deps, { fromSeq: 1, toSeq: 5000, subject: subjects.all })) …
 */
export async function* readRange(deps: LogReaderDeps, q: RangeQuery): AsyncGenerator<LogMsg> {
  const fromSeq = Math.max(1, q.fromSeq);
  if (q.toSeq < fromSeq) return;
  const window = q.window ?? 10_000;
  const filter = q.subject;
  // A fetch of messages that are not there waits for its expiry: find the first message of the
  // range first (a subject may have none). Asked of the stream's leader (a direct get may be
  // answered by a replica that lags); the server (2.9+) takes `next_by_subj` there too, though
  // the client's type only lists it for direct gets.
  const first = await deps.jsm.streams.getMessage(deps.stream, {
    seq: fromSeq,
    next_by_subj: filter ?? '>',
  } as unknown as MsgRequest);
  if (!first || first.seq > q.toSeq) return;
  const consumer = await deps.js.consumers.get(deps.stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: first.seq,
    ...(filter ? { filter_subjects: filter } : {}),
  });
  /** Messages known to be there from the next one on: the first alone, then what `pending` says. */
  let left = 1;
  for (;;) {
    const batch = await consumer.fetch({ max_messages: Math.min(window, left), expires: 30_000 });
    let got = 0;
    try {
      for await (const js of batch) {
        got++;
        const m = new RangeMsg(js);
        if (m.seq > q.toSeq) return;
        yield m;
        // `pending` is what the stream holds on the subject after this one: none, the range is done
        if (m.seq >= q.toSeq || m.pending === 0) return;
        left = filter ? m.pending : Math.min(m.pending, q.toSeq - m.seq);
      }
    } finally {
      batch.stop();
    }
    if (got === 0) {
      throw new Error(
        `stream ${deps.stream} sent nothing where ${q.fromSeq}..${q.toSeq} was expected: is the NATS server reachable?`,
      );
    }
  }
}

/** One stored message by sequence (from the stream's leader), or null when the stream has none there. */
export async function getStored(deps: LogReaderDeps, seq: number) {
  return deps.jsm.streams.getMessage(deps.stream, { seq });
}
