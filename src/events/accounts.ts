import { z } from 'zod';
import { defineEvent, Text, wellFormed } from './envelope.js';

/** What an operator says about a monitored account; the hub does not act on it. */
export const AccountStatus = z.enum(['active', 'paused', 'disabled']);
export type AccountStatus = z.infer<typeof AccountStatus>;

/** The platform an account is on, as a short lower-case name (`douyin`). */
export const Platform = z
  .string()
  .regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 lower-case letters, digits, _ or -');

export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters')
  .refine(...wellFormed);

export const AccountNotes = Text(4000);

/**
 * An operator registers a monitored account (the envelope's `account_id`). Registering an
 * account that is registered already changes nothing (the first registration stands);
 * registering a removed one brings it back, with its history.
 *
 * @example
 * {
 *   event_id: 'act-…', type: 'AccountRegistered', schema_version: 1, account_id: 'dy_10001',
 *   occurred_at: 1761100000000, captured_at: 1761100000000, actor: 'ops_wang',
 *   payload: { display_name: '官方旗舰店', platform: 'douyin', status: 'active', notes: null },
 * }
 */
export const AccountRegisteredV1 = defineEvent(
  'AccountRegistered',
  1,
  z.object({
    display_name: DisplayName,
    platform: Platform,
    status: AccountStatus,
    notes: AccountNotes.nullable(),
  }),
);
export type AccountRegistered = z.infer<typeof AccountRegisteredV1>;

/** A change of some of an account's fields; absent fields stay, `notes: null` clears the notes. */
export const AccountUpdatedV1 = defineEvent(
  'AccountUpdated',
  1,
  z
    .object({
      display_name: DisplayName.optional(),
      platform: Platform.optional(),
      status: AccountStatus.optional(),
      notes: AccountNotes.nullable().optional(),
    })
    .refine((p) => Object.values(p).some((v) => v !== undefined), 'must change at least one field'),
);
export type AccountUpdated = z.infer<typeof AccountUpdatedV1>;

/**
 * The account is no longer monitored: it leaves the account lists. Its messages,
 * conversations and replies stay, and events that still arrive for it are projected.
 */
export const AccountRemovedV1 = defineEvent('AccountRemoved', 1, z.object({}));
export type AccountRemoved = z.infer<typeof AccountRemovedV1>;
