import { z } from 'zod';
import { defineEvent, EpochMs, PlatformId } from './envelope.js';

/** A recall (撤回, "unsend"). The content stays in the log and in the read model, flagged. */
export const MessageRecalledV1 = defineEvent(
  'MessageRecalled',
  1,
  z.object({
    platform_message_id: PlatformId,
    conversation_id: PlatformId,
    recalled_at: EpochMs,
    recalled_by: PlatformId,
  }),
);
export type MessageRecalled = z.infer<typeof MessageRecalledV1>;
