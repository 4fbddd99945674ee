import { z } from 'zod';

/** Epoch milliseconds (UTC). All times in events and read models use this unit. */
export const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000);

/** Lone surrogates are not Unicode: they have no UTF-8 form, and Postgres refuses them in JSON. */
export const wellFormed = [
  (s: string) => s.isWellFormed(),
  'must be well-formed Unicode (no lone surrogates)',
] as const;

/** Text of one line a person or the platform chose (a name, a tag): no control characters. */
export const Printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters')
    .refine(...wellFormed);

/** A platform identifier (account, user, message, conversation): non-empty, printable, bounded. */
export const PlatformId = Printable(256);

/**
 * Free text (message content, names, notes, reasons): anything a user may type, but for what no
 * read model can hold: NUL (Postgres text has no room for it) and lone surrogates (not Unicode,
 * so not UTF-8). A log holding either would stop projection, so neither is ever published.
 */
export const Text = (max: number) =>
  z
    .string()
    .max(max, `at most ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL (U+0000)')
    .refine(...wellFormed);

/**
 * The publisher-chosen event id. It becomes the JetStream `Nats-Msg-Id` header, so it is
 * restricted to visible ASCII (no spaces, no line breaks).
 */
export const EventId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII without spaces');

/** Fields every event carries, whatever its type. */
export const envelopeShape = {
  event_id: EventId,
  account_id: PlatformId,
  /** When it happened on the platform. */
  occurred_at: EpochMs,
  /** When the worker (or the hub, for client actions) observed it. */
  captured_at: EpochMs,
  /** Who appended it, for client actions (an API key's or user's name). */
  actor: Text(128).min(1).optional(),
  /** The id of the API key `actor` names, for actions taken through the API (names need not be unique). */
  actor_key_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hex digits)')
    .optional(),
};

/**
 * Builds the zod schema of one event version: the envelope, a literal `type` and
 * `schema_version`, and a typed `payload`.
 */
export function defineEvent<const T extends string, const V extends number, P extends z.ZodObject>(
  type: T,
  schemaVersion: V,
  payload: P,
) {
  return z.object({
    ...envelopeShape,
    type: z.literal(type),
    schema_version: z.literal(schemaVersion),
    payload,
  });
}
