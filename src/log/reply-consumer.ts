import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { replyConsumerName, type Subjects } from './subjects.js';

const NANOS_PER_MS = 1_000_000;

export interface ReplyConsumerOptions {
  stream: string;
  subjects: Subjects;
  accountId: string;
  /** How long a delivered command may go unacknowledged before it is delivered again. */
  ackWaitMs: number;
}

/**
 * The durable pull consumer of one account's reply commands: `replyConsumerName(account)` on
 * the stream, filtered to `subjects.replyRequests(account)`. It starts at the beginning of
 * the log (a request made while no worker ran is still delivered; workers skip the ones past
 * their `expires_at`), needs an explicit ack, redelivers without limit (the worker counts the
 * deliveries and gives up itself), and has one command in flight at a time, so an account's
 * replies go out in the order they were asked for.
 */
export function replyConsumerConfig(
  o: ReplyConsumerOptions,
): Partial<ConsumerConfig> & { durable_name: string } {
  const name = replyConsumerName(o.accountId);
  return {
    durable_name: name,
    name,
    description: `reply commands of account ${JSON.stringify(o.accountId)}`.slice(0, 256),
    filter_subject: o.subjects.replyRequests(o.accountId),
    deliver_policy: DeliverPolicy.All,
    ack_policy: AckPolicy.Explicit,
    ack_wait: o.ackWaitMs * NANOS_PER_MS,
    max_deliver: -1,
    max_ack_pending: 1,
  };
}

function isNotFound(e: unknown): boolean {
  return e instanceof JetStreamApiError && e.code === JetStreamApiCodes.ConsumerNotFound;
}

/** Creates the account's reply consumer, or brings an existing one to the wanted settings. */
export async function ensureReplyConsumer(
  jsm: JetStreamManager,
  o: ReplyConsumerOptions,
): Promise<ConsumerInfo> {
  const wanted = replyConsumerConfig(o);
  let info: ConsumerInfo | null = null;
  try {
    info = await jsm.consumers.info(o.stream, wanted.durable_name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!info) return jsm.consumers.add(o.stream, wanted);
  const c = info.config;
  if (c.ack_wait === wanted.ack_wait && c.max_ack_pending === wanted.max_ack_pending) return info;
  return jsm.consumers.update(o.stream, wanted.durable_name, {
    ack_wait: wanted.ack_wait,
    max_ack_pending: wanted.max_ack_pending,
    max_deliver: wanted.max_deliver,
  });
}
