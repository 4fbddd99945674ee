import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { type Channel, decodeEvent, type HubEvent, PlatformId } from '../events/index.js';
import { createPublisher } from '../log/publisher.js';
import { ensureReplyConsumer } from '../log/reply-consumer.js';
import type { Subjects } from '../log/subjects.js';

/** One reply to send, as `createReplyWorker` hands it to `send`. */
export interface ReplyCommand {
  reply_id: string;
  account_id: string;
  /** `direct`: send a DM in the thread `conversation_id`; `comment`: comment under the video `conversation_id`. */
  channel: Channel;
  conversation_id: string;
  /** The platform id of the comment to reply under, when there is one. */
  reply_to?: string;
  content: string;
  requested_at: number;
  expires_at: number;
  /** 1 for the first delivery; a redelivery (a retry, or after a worker died mid-send) counts up. */
  attempt: number;
  /** The stream sequence of the request. */
  seq: number;
}

export interface ReplySent {
  /** The sent reply's id on the platform. */
  platform_message_id: string;
}

/**
 * What `send` throws for a reply that can never succeed (the user blocked the account, the
 * comment is gone): the worker reports `ReplyFailed` at once instead of retrying.
 */
export class ReplyRejectedError extends Error {
  readonly code = 'reply_rejected';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReplyRejectedError';
  }
}

export interface ReplyWorkerDeps {
  js: JetStreamClient;
  stream: string;
  subjects: Subjects;
  accountId: string;
  /** Sends one reply on the platform; throws to fail (a `ReplyRejectedError` fails for good). */
  send: (command: ReplyCommand) => Promise<ReplySent>;
  clock?: () => number;
  /** Told about a command that could not be handled and will come again (e.g. NATS was away). */
  onError?: (err: Error, msg: { seq: number; subject: string }) => void;
}

export interface ReplyWorkerOptions {
  /** Deliveries of one command before the worker reports `ReplyFailed`. */
  maxAttempts?: number;
  /** Wait before a failed attempt is delivered again. */
  retryDelayMs?: number;
  /** How long the server waits for an ack before it delivers again; a long `send` keeps extending it. */
  ackWaitMs?: number;
}

export interface ReplyWorkerStats {
  sent: number;
  failed: number;
  retried: number;
  /** Commands past their `expires_at`, acknowledged without sending (the hub expires them). */
  skipped: number;
}

const RECENT = 10_000;

/**
 * A worker's side of replies: takes its account's reply commands from the durable consumer
 * `replies-<account>` (created if missing, see `ensureReplyConsumer`), calls `send` for each,
 * publishes `ReplySucceeded` (with the platform id of the sent message) or `ReplyFailed` (with
 * the reason) and only then acknowledges the command. A failed attempt is delivered again
 * after `retryDelayMs`, up to `maxAttempts`; the deliveries are the reported `attempts`.
 *
 * Delivery is at least once: if the worker dies after `send` and before its report is
 * stored, the command comes again and is sent again. Commands past their `expires_at` are
 * acknowledged without sending.
 *
 * @example
 * const worker = await createReplyWorker({
 *   js, stream: 'IMHUB_EVENTS', subjects: createSubjects('imhub.events'), accountId: 'dy_10001',
 *   send: async (cmd) => ({ platform_message_id: await douyin.sendDm(cmd.conversation_id, cmd.content) }),
 * });
 * // … on shutdown
 * await worker.stop();
 */
export async function createReplyWorker(deps: ReplyWorkerDeps, options: ReplyWorkerOptions = {}) {
  const { js, stream, subjects, accountId, send } = deps;
  const clock = deps.clock ?? Date.now;
  const maxAttempts = options.maxAttempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 5000;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const publisher = createPublisher({ js, stream, subjects });
  const info = await ensureReplyConsumer(await js.jetstreamManager(), {
    stream,
    subjects,
    accountId,
    ackWaitMs,
  });
  const consumer = await js.consumers.get(stream, info.name);
  const stats: ReplyWorkerStats = { sent: 0, failed: 0, retried: 0, skipped: 0 };
  // replies this process reported: a second copy of the command (a redelivery after a lost
  // ack, or a repeated request past JetStream's window) is acknowledged without sending again
  const reported = new Set<string>();
  let stopped = false;

  async function report(event: HubEvent): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await publisher.publish(event);
        return;
      } catch (e) {
        if (stopped || i >= 4) throw e;
        await new Promise((r) => setTimeout(r, 200 * 2 ** i));
      }
    }
  }

  function outcome(cmd: ReplyCommand, result: { sent: ReplySent } | { reason: string }): HubEvent {
    const now = clock();
    const base = {
      schema_version: 1 as const,
      account_id: accountId,
      occurred_at: now,
      captured_at: now,
    };
    if ('sent' in result) {
      return {
        ...base,
        event_id: `${cmd.reply_id}-sent`,
        type: 'ReplySucceeded',
        payload: {
          reply_id: cmd.reply_id,
          platform_message_id: result.sent.platform_message_id,
          sent_at: now,
          attempts: cmd.attempt,
        },
      };
    }
    return {
      ...base,
      event_id: `${cmd.reply_id}-failed`,
      type: 'ReplyFailed',
      payload: {
        reply_id: cmd.reply_id,
        reason: result.reason.slice(0, 2048) || 'failed',
        failed_at: now,
        attempts: cmd.attempt,
      },
    };
  }

  async function settle(m: JsMsg, cmd: ReplyCommand, result: { sent: ReplySent } | { reason: string }) {
    await report(outcome(cmd, result));
    m.ack();
    remember(cmd.reply_id);
    if ('sent' in result) stats.sent++;
    else stats.failed++;
  }

  function remember(id: string) {
    reported.add(id);
    if (reported.size > RECENT) reported.delete(reported.values().next().value!);
  }

  async function handle(m: JsMsg): Promise<void> {
    const parsed = decodeEvent(m.data);
    if (!parsed.ok || parsed.event.type !== 'ReplyRequested' || parsed.event.account_id !== accountId) {
      m.term(parsed.ok ? 'not a reply command of this account' : parsed.reason);
      return;
    }
    const p = parsed.event.payload;
    const cmd: ReplyCommand = {
      reply_id: p.reply_id,
      account_id: accountId,
      channel: p.channel,
      conversation_id: p.conversation_id,
      ...(p.reply_to === undefined ? {} : { reply_to: p.reply_to }),
      content: p.content,
      requested_at: p.requested_at,
      expires_at: p.expires_at,
      attempt: m.info.deliveryCount,
      seq: m.seq,
    };
    if (reported.has(cmd.reply_id)) return m.ack();
    if (clock() >= cmd.expires_at) {
      stats.skipped++;
      return m.ack();
    }
    if (cmd.attempt > maxAttempts) {
      // the worker died during its last attempts: give up without sending again
      return settle(m, cmd, { reason: `no outcome after ${maxAttempts} attempts` });
    }
    const keepAlive = setInterval(() => m.working(), Math.max(100, ackWaitMs / 2));
    try {
      let sent: ReplySent;
      try {
        sent = await send(cmd);
      } catch (e) {
        const err = e as Error;
        if (!(err instanceof ReplyRejectedError) && cmd.attempt < maxAttempts) {
          stats.retried++;
          return m.nak(retryDelayMs);
        }
        return await settle(m, cmd, { reason: err.message || String(e) });
      }
      if (!PlatformId.safeParse(sent?.platform_message_id).success) {
        return await settle(m, cmd, {
          reason: `send() returned no valid platform_message_id: ${JSON.stringify(sent)?.slice(0, 200)}`,
        });
      }
      await settle(m, cmd, { sent: { platform_message_id: sent.platform_message_id } });
    } finally {
      clearInterval(keepAlive);
    }
  }

  // One command at a time: the consumer has one in flight, and pulling more would only let
  // their ack wait run out while they queue here.
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 1 });
  const done = (async () => {
    for await (const m of messages) {
      try {
        await handle(m);
      } catch (e) {
        // not acknowledged: the server delivers it again after the ack wait
        deps.onError?.(e as Error, { seq: m.seq, subject: m.subject });
      }
    }
  })();

  return {
    /** The durable consumer's name (`replies-<account>`). */
    consumer: info.name,
    stats: (): ReplyWorkerStats => ({ ...stats }),
    /** Stops taking commands; the one being handled finishes first. */
    async stop(): Promise<void> {
      stopped = true;
      messages.stop();
      await done;
    },
  };
}
export type ReplyWorker = Awaited<ReturnType<typeof createReplyWorker>>;
