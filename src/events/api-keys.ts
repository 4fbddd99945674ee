import { z } from 'zod';
import { defineEvent, EpochMs } from './envelope.js';

/**
 * The envelope `account_id` of events that belong to no monitored account (API keys): they
 * are the hub's own, on `<prefix>._hub.<Type>`, and the projection keeps `_hub` out of the
 * accounts.
 */
export const HUB_ACCOUNT = '_hub';

/**
 * What a key may do. `reader` reads its accounts; `operator` also acts on them; `auditor` reads
 * them, the raw history and recalled content; `admin` does everything, accounts and keys too.
 */
export const Role = z.enum(['reader', 'operator', 'auditor', 'admin']);
export type Role = z.infer<typeof Role>;

/** A key's id: 16 lower-case hex digits, the part of the key that is not secret. */
export const ApiKeyId = z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hex digits)');

/** Which monitored accounts a key may see: all of them, or these (1–100). */
export const KeyScope = z.union([
  z.literal('all'),
  z
    .array(
      z
        .string()
        .min(1)
        .max(256)
        .regex(/^[^\p{Cc},]+$/u, 'must not contain control characters or commas'),
    )
    .min(1)
    .max(100),
]);
export type KeyScope = z.infer<typeof KeyScope>;

export const KeyName = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

const hubEnvelope = { account_id: z.literal(HUB_ACCOUNT) };

/**
 * An API key was created (`im-hub keys create`). Only the SHA-256 of its secret is stored:
 * the key itself (`imhub_<key_id>_<secret>`) is shown once, to whoever created it.
 *
 * @example
 * {
 *   event_id: 'key-3f9c0a7e12d45b68', type: 'ApiKeyCreated', schema_version: 1, account_id: '_hub',
 *   occurred_at: 1761100000000, captured_at: 1761100000000, actor: 'cli',
 *   payload: { key_id: '3f9c0a7e12d45b68', name: 'crm-team-a', role: 'reader',
 *     accounts: ['dy_10001'], secret_sha256: '…64 hex…', created_at: 1761100000000 },
 * }
 */
export const ApiKeyCreatedV1 = defineEvent(
  'ApiKeyCreated',
  1,
  z.object({
    key_id: ApiKeyId,
    name: KeyName,
    role: Role,
    accounts: KeyScope,
    secret_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in 64 hex digits'),
    created_at: EpochMs,
  }),
).extend(hubEnvelope);
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedV1>;

/** An API key was revoked: from the projection of this event on, it is refused. Final. */
export const ApiKeyRevokedV1 = defineEvent(
  'ApiKeyRevoked',
  1,
  z.object({ key_id: ApiKeyId, revoked_at: EpochMs }),
).extend(hubEnvelope);
export type ApiKeyRevoked = z.infer<typeof ApiKeyRevokedV1>;
