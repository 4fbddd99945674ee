import { z } from 'zod';
import { defineEvent, EpochMs, PlatformId, wellFormed } from './envelope.js';

/** A conversation as clients address it: the hub id (`conversationId()`), `c_` and 22 characters. */
export const ConversationRef = z
  .string()
  .regex(/^c_[A-Za-z0-9_-]{22}$/, 'must be a conversation id (c_ and 22 characters)');

/** A tag: trimmed, 1 to 32 characters, no control characters. */
export const Tag = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters')
  .refine(...wellFormed);

/** At most this many tags on one conversation; tags past it are ignored by the projection. */
export const MAX_TAGS = 20;

const conversation = z.object({ conversation_id: ConversationRef });

/** Client actions on a conversation. Each is appended by the hub for the acting client. */
export const ConversationPinnedV1 = defineEvent('ConversationPinned', 1, conversation);
export const ConversationUnpinnedV1 = defineEvent('ConversationUnpinned', 1, conversation);
export const ConversationArchivedV1 = defineEvent('ConversationArchived', 1, conversation);
export const ConversationUnarchivedV1 = defineEvent('ConversationUnarchived', 1, conversation);
/** Mute until a time (epoch ms), or `null` to unmute. */
export const ConversationMutedV1 = defineEvent(
  'ConversationMuted',
  1,
  conversation.extend({ mute_until: EpochMs.nullable() }),
);
export const ConversationTaggedV1 = defineEvent(
  'ConversationTagged',
  1,
  conversation.extend({ tags: z.array(Tag).min(1).max(MAX_TAGS) }),
);
export const ConversationUntaggedV1 = defineEvent(
  'ConversationUntagged',
  1,
  conversation.extend({ tag: Tag }),
);

/** Blocking is per monitored account: the account's clients stop seeing the user as active. */
export const UserBlockedV1 = defineEvent('UserBlocked', 1, z.object({ platform_user_id: PlatformId }));
export const UserUnblockedV1 = defineEvent('UserUnblocked', 1, z.object({ platform_user_id: PlatformId }));

/** A message as clients address it: the hub id (`messageId()`), `m_` and 22 characters. */
export const MessageRef = z
  .string()
  .regex(/^m_[A-Za-z0-9_-]{22}$/, 'must be a message id (m_ and 22 characters)');

/**
 * Read state. With `message_ids`, those messages are read; without, every inbound message of
 * the conversation created at or before `read_at` is read, including ones captured later.
 */
export const MessagesMarkedReadV1 = defineEvent(
  'MessagesMarkedRead',
  1,
  z.object({
    conversation_id: ConversationRef,
    read_at: EpochMs,
    message_ids: z.array(MessageRef).min(1).max(500).optional(),
  }),
);
