import { z } from 'zod';
import { defineEvent, EpochMs } from './envelope.js';
import { Sender } from './message-captured.js';

/**
 * A user's profile a worker saw without a message: on a profile page, a follower list, a
 * video's author card. The users read model takes it like a sender's profile: the newest
 * observation by `captured_at` (then sequence) wins, an older one only fills fields still
 * unknown. It is not a message: it counts no message and adds no account to the user's.
 *
 * @example
 * {
 *   event_id: 'w7-20251022-profile-88', type: 'UserProfileObserved', schema_version: 1,
 *   account_id: 'dy_10001', occurred_at: 1761100000000, captured_at: 1761100002000,
 *   payload: {
 *     user: { platform_user_id: 'u_5', name: '小红', signature: '爱生活，爱分享', follower_count: 1280 },
 *     observed_at: 1761100000000,
 *   },
 * }
 */
export const UserProfileObservedV1 = defineEvent(
  'UserProfileObserved',
  1,
  z.object({
    /** The profile as seen; only `platform_user_id` is required, absent fields are unknown. */
    user: Sender,
    /** When the profile was seen on the platform (the user's first/last seen); defaults to `occurred_at`. */
    observed_at: EpochMs.optional(),
  }),
);
export type UserProfileObserved = z.infer<typeof UserProfileObservedV1>;
