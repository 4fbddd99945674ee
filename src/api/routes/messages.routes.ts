import { createRoute, z } from '@hono/zod-openapi';
import type { Drizzle } from '../../db/client.js';
import { Channel } from '../../events/index.js';
import { getMessage, getMessageHistory, listMessages } from '../../queries/messages.queries.js';
import { requireAccount, requireConversationAccount } from '../auth.js';
import type { ApiApp } from '../env.js';
import { badRequest, notFound } from '../errors.js';
import {
  AccountIdParam,
  ConversationIdParam,
  errorResponses,
  jsonContent,
  Limit,
  MessageIdParam,
  MessageSchema,
  QueryBool,
  RecallSchema,
} from '../schemas.js';

const Before = z
  .string()
  .regex(/^\d{1,16}_\d{1,16}$/, 'must be a next_before value from a previous page')
  .transform((v) => {
    const [createdAt, seq] = v.split('_').map(Number);
    return { createdAt: createdAt!, seq: seq! };
  });

const ListQuery = z.object({
  account_id: AccountIdParam.optional(),
  conversation_id: ConversationIdParam.optional(),
  channel: Channel.optional(),
  limit: Limit(50, 500),
  before: Before.optional(),
  include_recalled: QueryBool.optional(),
});

const MessagePage = z
  .object({
    messages: z.array(MessageSchema),
    has_more: z.boolean(),
    next_before: z.string().nullable(),
  })
  .openapi('MessagePage');

function listRoute(path: string, summary: string) {
  return createRoute({
    method: 'get',
    path,
    tags: ['messages'],
    summary,
    request: { query: ListQuery },
    responses: { 200: jsonContent(MessagePage, 'A page, newest first'), 400: errorResponses[400] },
  });
}

const getRoute = createRoute({
  method: 'get',
  path: '/api/v1/messages/{id}',
  tags: ['messages'],
  summary: 'One message in its current state',
  request: {
    params: z.object({ id: MessageIdParam }),
    query: z.object({ include_recalled: QueryBool.optional() }),
  },
  responses: { 200: jsonContent(MessageSchema, 'The message'), ...errorResponses },
});

const MessageHistory = z
  .object({
    message: MessageSchema.describe('the message as it is now'),
    versions: z
      .array(
        z.object({
          kind: z.enum(['original', 'edit']),
          content: z
            .string()
            .nullable()
            .describe('null only for the original of a message edited before originals were kept'),
          at: z.number().int().describe('created_at of the original, edited_at of an edit'),
          by: z.string().describe('the sender of the original, the editor of an edit'),
          seq: z.number().int().describe('the stream sequence of the capture or edit'),
        }),
      )
      .describe(
        'oldest first: the original, then the edits by edited_at, then sequence; the last is current',
      ),
    // a union, not .nullable(): a nullable reference becomes an allOf that no null satisfies in OpenAPI 3.1
    recall: z.union([RecallSchema, z.null()]),
  })
  .openapi('MessageHistory');

const historyRoute = (path: string) =>
  createRoute({
    method: 'get',
    path,
    tags: ['messages'],
    summary: 'Every version of a message: the original capture, then each edit',
    request: {
      params: z.object({ id: MessageIdParam }),
      query: z.object({ include_recalled: QueryBool.optional() }),
    },
    responses: { 200: jsonContent(MessageHistory, 'The versions, oldest first'), ...errorResponses },
  });

export function registerMessageRoutes(app: ApiApp, db: Drizzle) {
  for (const path of ['/api/v1/messages/{id}/history', '/api/v1/messages/history/{id}']) {
    app.openapi(historyRoute(path), async (c) => {
      const { id } = c.req.valid('param');
      const history = await getMessageHistory(db, id, c.req.valid('query').include_recalled);
      if (!history) throw notFound('message', id);
      requireAccount(c, history.message.account_id);
      return c.json(history, 200);
    });
  }
  const lists = [
    ['/api/v1/messages', 'Messages (DMs and comments), keyset-paginated newest first', undefined],
    ['/api/v1/direct-messages', 'Direct messages only', 'direct'],
    ['/api/v1/comments', 'Comments only', 'comment'],
  ] as const;
  for (const [path, summary, channel] of lists) {
    app.openapi(listRoute(path, summary), async (c) => {
      const q = c.req.valid('query');
      if (!q.account_id && !q.conversation_id) {
        throw badRequest('conversation_id', 'give conversation_id or account_id');
      }
      if (channel && q.channel && q.channel !== channel)
        throw badRequest('channel', `this route lists ${channel} only`);
      if (q.conversation_id) await requireConversationAccount(c, db, q.conversation_id);
      const page = await listMessages(db, {
        conversationId: q.conversation_id,
        accountId: q.account_id,
        channel: channel ?? q.channel,
        includeRecalled: q.include_recalled,
        before: q.before,
        limit: q.limit,
      });
      return c.json(page, 200);
    });
  }
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const message = await getMessage(db, id, c.req.valid('query').include_recalled);
    if (!message) throw notFound('message', id);
    requireAccount(c, message.account_id);
    return c.json(message, 200);
  });
}
