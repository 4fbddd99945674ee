import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Actions } from '../../commands/actions.js';
import type { Drizzle } from '../../db/client.js';
import { Text } from '../../events/index.js';
import { getMessage, getMessageForAction, getRecall } from '../../queries/messages.queries.js';
import { principalOf, requireAccount } from '../auth.js';
import type { ApiApp, AppEnv } from '../env.js';
import { conflict, notFound } from '../errors.js';
import {
  ErrorSchema,
  errorResponses,
  jsonContent,
  MessageIdParam,
  MessageSchema,
  RecallSchema,
} from '../schemas.js';

const Accepted = z.object({ seq: z.number().int(), projected: z.literal(false) });
const conflictResponse = { 409: jsonContent(ErrorSchema, 'Refused in the message’s state: see the code') };

const editRoute = createRoute({
  method: 'put',
  path: '/api/v1/messages/{id}',
  tags: ['messages'],
  summary: 'Correct an outbound message: appends a MessageEdited by the calling key',
  request: {
    params: z.object({ id: MessageIdParam }),
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ content: Text(65_536).min(1) }) } },
    },
  },
  responses: {
    200: jsonContent(
      z.object({ seq: z.number().int(), projected: z.literal(true), message: MessageSchema }),
      'Edited: the event is projected; the message as it is now',
    ),
    202: jsonContent(Accepted, 'Appended but not yet projected: read with min_seq=seq'),
    ...errorResponses,
    ...conflictResponse,
  },
});

const recallRoute = createRoute({
  method: 'delete',
  path: '/api/v1/messages/{id}',
  tags: ['messages'],
  summary: 'Recall a message: appends a MessageRecalled by the calling key; again, answers the first',
  request: { params: z.object({ id: MessageIdParam }) },
  responses: {
    200: jsonContent(
      z.object({
        seq: z.number().int().describe("the recall's sequence"),
        projected: z.literal(true),
        recall: RecallSchema,
        message: MessageSchema,
      }),
      'Recalled (now, or before: then nothing is appended and the first recall is the answer)',
    ),
    202: jsonContent(Accepted, 'Appended but not yet projected: read with min_seq=seq'),
    ...errorResponses,
  },
});

/**
 * Operators' edits and recalls. Both are checked against the read model, appended to the log
 * and answered once projected, like the other actions.
 */
export function registerMessageActionRoutes(app: ApiApp, db: Drizzle, actions: Actions) {
  async function messageOr404(c: Context<AppEnv>, id: string) {
    const m = await getMessageForAction(db, id);
    if (!m) throw notFound('message', id);
    requireAccount(c, m.accountId);
    return m;
  }

  app.openapi(editRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { content } = c.req.valid('json');
    const by = principalOf(c);
    const m = await messageOr404(c, id);
    if (m.recalled) throw conflict('message_recalled', `message ${id} is recalled; it cannot be edited`);
    if (m.direction !== 'outbound') {
      throw conflict(
        'message_inbound',
        `message ${id} is inbound: only the account's own messages can be edited`,
      );
    }
    const r = await actions.append(by, m.accountId, 'MessageEdited', (now) => ({
      platform_message_id: m.platformMessageId,
      conversation_id: m.platformConversationId,
      new_content: content,
      edited_at: now,
      edited_by: by.name,
    }));
    if (!r.projected) return c.json({ seq: r.seq, projected: false as const }, 202);
    return c.json({ seq: r.seq, projected: true as const, message: (await getMessage(db, id, true))! }, 200);
  });

  app.openapi(recallRoute, async (c) => {
    const { id } = c.req.valid('param');
    const by = principalOf(c);
    const m = await messageOr404(c, id);
    if (!m.recalled) {
      const r = await actions.append(by, m.accountId, 'MessageRecalled', (now) => ({
        platform_message_id: m.platformMessageId,
        conversation_id: m.platformConversationId,
        recalled_at: now,
        recalled_by: by.name,
      }));
      if (!r.projected) return c.json({ seq: r.seq, projected: false as const }, 202);
    }
    // the recall that stands: this one, or the first when the message was recalled already
    const [recall, message] = await Promise.all([getRecall(db, id), getMessage(db, id, true)]);
    return c.json({ seq: recall!.seq, projected: true as const, recall: recall!, message: message! }, 200);
  });
}
