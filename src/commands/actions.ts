import { randomUUID } from 'node:crypto';
import { inScope, type Principal } from '../auth/api-keys.js';
import type { EventOf, EventType } from '../events/index.js';
import type { Publisher } from '../log/publisher.js';
import type { WaitForSeq } from '../projections/wait.js';

export interface ActionsDeps {
  publisher: Publisher;
  waitFor: WaitForSeq;
  /** The clock for `occurred_at`/`captured_at` (passed in, so tests can fix it). */
  clock?: () => number;
  newEventId?: () => string;
  /** How long an action waits for its event to be projected before answering 202. */
  projectionTimeoutMs?: number;
}

export interface ActionResult {
  seq: number;
  /** True when the read models already include the event (read your own writes). */
  projected: boolean;
}

export interface AppendResult extends ActionResult {
  /** True when the log already held an event with this `event_id` (`seq` is that event's). */
  duplicate: boolean;
}

/**
 * Events only workers report (what they captured, saw or did), and the keys' own (appended by
 * the command line); a client's action is any other.
 */
type ActionType = Exclude<
  EventType,
  | 'MessageCaptured'
  | 'UserProfileObserved'
  | 'ReplySucceeded'
  | 'ReplyFailed'
  | 'ApiKeyCreated'
  | 'ApiKeyRevoked'
>;

/** An action on an account outside the acting key's scope; the API answers 403. */
export class OutOfScopeError extends Error {
  readonly code = 'forbidden';
  constructor(by: Principal, accountId: string) {
    super(`the key ${JSON.stringify(by.name)} may not act on account ${JSON.stringify(accountId)}`);
    this.name = 'OutOfScopeError';
  }
}

/**
 * Client actions become events: validated by the contract, appended to the log, and
 * answered once projected (or after a bounded wait, with the sequence to wait for).
 */
export function createActions(deps: ActionsDeps) {
  const clock = deps.clock ?? Date.now;
  const newEventId = deps.newEventId ?? (() => `act-${randomUUID()}`);
  const timeout = deps.projectionTimeoutMs ?? 2000;

  return {
    /**
     * `payload` may be a function of the action's time, for payloads that carry it (edited_at).
     * `eventId` names the event when the action has a natural identity (a reply's id), so that
     * the stream stores a repeat once; by default every action is a new event. The acting
     * key's name and id go into the envelope (`actor`, `actor_key_id`).
     */
    async append<T extends ActionType>(
      by: Principal,
      accountId: string,
      type: T,
      payload: EventOf<T>['payload'] | ((now: number) => EventOf<T>['payload']),
      eventId?: string,
    ): Promise<AppendResult> {
      // the routes check the scope first; this is the last line, so no action can skip it
      if (!inScope(by, accountId)) throw new OutOfScopeError(by, accountId);
      const now = clock();
      const { seq, duplicate } = await deps.publisher.publish({
        event_id: eventId ?? newEventId(),
        type,
        schema_version: 1,
        account_id: accountId,
        occurred_at: now,
        captured_at: now,
        actor: by.name,
        actor_key_id: by.keyId,
        payload: typeof payload === 'function' ? payload(now) : payload,
      });
      return { seq, duplicate, projected: await deps.waitFor(seq, timeout, accountId) };
    },
  };
}
export type Actions = ReturnType<typeof createActions>;
