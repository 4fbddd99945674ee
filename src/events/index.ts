import { z } from 'zod';
import { acceptsFor } from './accepts.js';
import { AccountRegisteredV1, AccountRemovedV1, AccountUpdatedV1 } from './accounts.js';
import { ApiKeyCreatedV1, ApiKeyRevokedV1 } from './api-keys.js';
import {
  ConversationArchivedV1,
  ConversationMutedV1,
  ConversationPinnedV1,
  ConversationTaggedV1,
  ConversationUnarchivedV1,
  ConversationUnpinnedV1,
  ConversationUntaggedV1,
  MessagesMarkedReadV1,
  UserBlockedV1,
  UserUnblockedV1,
} from './conversation-actions.js';
import { MessageCapturedV2, upcastMessageCapturedV1 } from './message-captured.js';
import { MessageEditedV1 } from './message-edited.js';
import { MessageRecalledV1 } from './message-recalled.js';
import { ReplyExpiredV1, ReplyFailedV1, ReplyRequestedV1, ReplySucceededV1 } from './replies.js';
import { UserProfileObservedV1 } from './user-profile-observed.js';

export * from './accounts.js';
export * from './api-keys.js';
export * from './conversation-actions.js';
export * from './envelope.js';
export * from './ids.js';
export * from './message-captured.js';
export * from './message-edited.js';
export * from './message-recalled.js';
export * from './replies.js';
export * from './user-profile-observed.js';

/**
 * Every event the hub knows, at its current version. The single source of truth for
 * validation (publisher and projector), TypeScript types and API documentation.
 */
export const HubEvent = z.discriminatedUnion('type', [
  MessageCapturedV2,
  MessageEditedV1,
  MessageRecalledV1,
  ConversationPinnedV1,
  ConversationUnpinnedV1,
  ConversationArchivedV1,
  ConversationUnarchivedV1,
  ConversationMutedV1,
  ConversationTaggedV1,
  ConversationUntaggedV1,
  UserBlockedV1,
  UserUnblockedV1,
  MessagesMarkedReadV1,
  UserProfileObservedV1,
  AccountRegisteredV1,
  AccountUpdatedV1,
  AccountRemovedV1,
  ReplyRequestedV1,
  ReplySucceededV1,
  ReplyFailedV1,
  ReplyExpiredV1,
  ApiKeyCreatedV1,
  ApiKeyRevokedV1,
]);
export type HubEvent = z.infer<typeof HubEvent>;
export type EventType = HubEvent['type'];
export type EventOf<T extends EventType> = Extract<HubEvent, { type: T }>;

export const EVENT_TYPES: readonly EventType[] = HubEvent.options.map((o) => o.shape.type.value);

const CURRENT_VERSION = Object.fromEntries(
  HubEvent.options.map((o) => [o.shape.type.value, o.shape.schema_version.value]),
) as Record<EventType, number>;

/** Turns version N of an event (as stored) into version N + 1. Must be pure. */
export type Upcaster = (event: Record<string, unknown>) => Record<string, unknown>;

/**
 * Upcasters by type and the version they read. A published event never changes shape:
 * a change is a new version here plus an upcaster from the previous one.
 */
const UPCASTERS: Partial<Record<EventType, Record<number, Upcaster>>> = {
  MessageCaptured: { 1: upcastMessageCapturedV1 },
};

export type ParseResult = { ok: true; event: HubEvent } | { ok: false; reason: string };

function isKnownType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.hasOwn(CURRENT_VERSION, type);
}

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Brings a stored event of an older schema version up to the current one. */
export function upcast(raw: Record<string, unknown>): Record<string, unknown> | string {
  const type = raw.type;
  if (!isKnownType(type)) return `type: unknown event type ${JSON.stringify(type)}`;
  let event = raw;
  const stored = event.schema_version;
  if (typeof stored !== 'number' || !Number.isInteger(stored) || stored < 1) {
    return 'schema_version: expected a positive integer';
  }
  let version: number = stored;
  const current = CURRENT_VERSION[type];
  if (version > current) return `schema_version: ${version} is newer than this service knows (${current})`;
  while (version < current) {
    const step = UPCASTERS[type]?.[version];
    if (!step) return `schema_version: no upcaster for ${type} version ${version}`;
    event = step(event);
    version = event.schema_version as number;
  }
  return event;
}

/**
 * `HubEvent` as a predicate (`acceptsFor`): for values no one else holds, an event it accepts
 * is taken as it is instead of copied by `safeParse`.
 */
const acceptsHubEvent = acceptsFor(HubEvent);

/** Validates untrusted input (bytes from the log, a publisher's argument) as a current event. */
export function parseEvent(raw: unknown): ParseResult {
  return parse(raw, false);
}

/**
 * `parseEvent`; with `own` (a value just parsed from JSON, held by no one else), an event that
 * `HubEvent` accepts as it is comes back itself, not a copy.
 */
function parse(raw: unknown, own: boolean): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: '(root): expected a JSON object' };
  }
  const upcasted = upcast(raw as Record<string, unknown>);
  if (typeof upcasted === 'string') return { ok: false, reason: upcasted };
  if (own && acceptsHubEvent?.(upcasted)) return { ok: true, event: upcasted as HubEvent };
  const parsed = HubEvent.safeParse(upcasted);
  return parsed.success
    ? { ok: true, event: parsed.data }
    : { ok: false, reason: formatIssues(parsed.error) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and validates one message body from the log. */
export function decodeEvent(data: Uint8Array): ParseResult {
  return decodeEventText(data, false).result;
}

/**
 * `decodeEvent`, and the body's text when it is the event's exact JSON: the validated event
 * equals what the text parses to, with nothing stripped, trimmed, added or upcast and the keys
 * in the same order (`sameJson`). A replay sends events between threads as JSON, and such a
 * text needs no serializing again; `text` is null for every other body, and when `wanted` is
 * false (no comparison made).
 */
export function decodeEventText(
  data: Uint8Array,
  wanted = true,
): { result: ParseResult; text: string | null } {
  let text: string;
  let raw: unknown;
  try {
    text = utf8.decode(data);
    raw = JSON.parse(text);
  } catch (e) {
    return { result: { ok: false, reason: `(body): not UTF-8 JSON: ${(e as Error).message}` }, text: null };
  }
  const result = parse(raw, true);
  return { result, text: wanted && result.ok && sameJson(raw, result.event) ? text : null };
}

/** Whether two values parsed from or bound for JSON are equal, object keys in the same order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    if (a.length !== bs.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], bs[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
      return false;
  }
  return true;
}
