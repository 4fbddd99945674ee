import { randomUUID } from 'node:crypto';
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

/** Events only workers report (what they captured or saw); a client's action is any other. */
type ActionType = Exclude<EventType, 'MessageCaptured' | 'UserProfileObserved'>;

/**
 * Client actions become events: validated by the contract, appended to the log, and
 * answered once projected (or after a bounded wait, with the sequence to wait for).
 */
export function createActions(deps: ActionsDeps) {
  const clock = deps.clock ?? Date.now;
  const newEventId = deps.newEventId ?? (() => `act-${randomUUID()}`);
  const timeout = deps.projectionTimeoutMs ?? 2000;

  return {
    /** `payload` may be a function of the action's time, for payloads that carry it (edited_at). */
    async append<T extends ActionType>(
      accountId: string,
      type: T,
      payload: EventOf<T>['payload'] | ((now: number) => EventOf<T>['payload']),
      actor?: string,
    ): Promise<ActionResult> {
      const now = clock();
      const { seq } = await deps.publisher.publish({
        event_id: newEventId(),
        type,
        schema_version: 1,
        account_id: accountId,
        occurred_at: now,
        captured_at: now,
        ...(actor ? { actor } : {}),
        payload: typeof payload === 'function' ? payload(now) : payload,
      });
      return { seq, projected: await deps.waitFor(seq, timeout) };
    },
  };
}
export type Actions = ReturnType<typeof createActions>;
