import { z } from 'zod';
import { defineEvent, EpochMs, PlatformId, Text } from './envelope.js';

/**
 * An edit of a message, observed by a worker or made by an operator. It may reach the
 * log before the message itself; projections hold it until the message arrives.
 */
export const MessageEditedV1 = defineEvent(
  'MessageEdited',
  1,
  z.object({
    platform_message_id: PlatformId,
    conversation_id: PlatformId,
    new_content: Text(65_536),
    edited_at: EpochMs,
    /** Platform user id of the author, or the operator who corrected it. */
    edited_by: PlatformId,
  }),
);
export type MessageEdited = z.infer<typeof MessageEditedV1>;
