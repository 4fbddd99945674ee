import type { JetStreamClient } from '@nats-io/jetstream';
import type { z } from 'zod';
import { type HubEvent, parseEvent } from '../events/index.js';
import type { Partitions } from './partitions.js';
import type { Subjects } from './subjects.js';

/** An event as a publisher writes it (before defaults), validated before it is sent. */
export type HubEventInput = z.input<typeof import('../events/index.js').HubEvent>;

export interface PublishResult {
  /** The stream sequence the event is stored at (for a duplicate: where the first copy is). */
  seq: number;
  /** True when an event with the same `event_id` was already stored within the window. */
  duplicate: boolean;
}

export class InvalidEventError extends Error {
  readonly code = 'invalid_event';
  constructor(readonly reason: string) {
    super(`invalid event: ${reason}`);
    this.name = 'InvalidEventError';
  }
}

/** Where events go: one stream, or the account's partition of a partitioned log. */
export type PublisherTarget = { stream: string; subjects: Subjects } | { partitions: Partitions };

export type PublisherDeps = PublisherTarget & {
  js: JetStreamClient;
  /** How long to wait for the stream's acknowledgement. */
  timeoutMs?: number;
  /** Called after each event is stored (or found a duplicate), e.g. to count it. */
  observe?: (event: HubEvent, result: PublishResult) => void;
};

const encoder = new TextEncoder();

/**
 * What a worker (or the hub, for client actions) uses to append events. Every event is
 * validated against the contract first; the stream de-duplicates by `event_id`.
 *
 * @example
 * const publisher = createPublisher({ js: jetstream(nc), stream: 'IMHUB', subjects: createSubjects('imhub.events') });
 * const { seq, duplicate } = await publisher.publish(event);
 * // a partitioned log: each event goes to its account's partition (`seq` is of that stream)
 * createPublisher({ js, partitions: createPartitions({ stream: 'IMHUB_EVENTS', prefix: 'imhub.events', count: 4 }) });
 */
export function createPublisher(deps: PublisherDeps) {
  const { js } = deps;
  const route = targetRoute(deps);
  const timeout = deps.timeoutMs ?? 10_000;

  async function append(event: HubEvent): Promise<PublishResult> {
    const { stream, subjects } = route(event.account_id);
    const ack = await js.publish(
      subjects.event(event.account_id, event.type),
      encoder.encode(JSON.stringify(event)),
      {
        msgID: event.event_id,
        expect: { streamName: stream },
        timeout,
      },
    );
    const result = { seq: ack.seq, duplicate: ack.duplicate };
    deps.observe?.(event, result);
    return result;
  }

  return {
    /** Validates and appends one event; throws `InvalidEventError` without publishing. */
    async publish(input: unknown): Promise<PublishResult> {
      const parsed = parseEvent(input);
      if (!parsed.ok) throw new InvalidEventError(parsed.reason);
      return append(parsed.event);
    },

    /**
     * Appends many events with up to `window` acknowledgements outstanding at once. Results
     * come back in input order; an invalid event throws before anything is sent.
     */
    async publishMany(inputs: readonly unknown[], window = 256): Promise<PublishResult[]> {
      const events = inputs.map((input, i) => {
        const parsed = parseEvent(input);
        if (!parsed.ok) throw new InvalidEventError(`#${i}: ${parsed.reason}`);
        return parsed.event;
      });
      const results: PublishResult[] = new Array(events.length);
      let next = 0;
      async function lane() {
        while (next < events.length) {
          const i = next++;
          results[i] = await append(events[i]!);
        }
      }
      await Promise.all(Array.from({ length: Math.min(window, events.length) }, lane));
      return results;
    },
  };
}
export type Publisher = ReturnType<typeof createPublisher>;

/** The stream and subjects an account's events go to. */
export function targetRoute(
  t: PublisherTarget,
): (accountId: string) => { stream: string; subjects: Subjects } {
  if ('partitions' in t) return t.partitions.of;
  const fixed = { stream: t.stream, subjects: t.subjects };
  return () => fixed;
}
