import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Drizzle } from '../../db/client.js';
import { getConversation, listConversations } from '../../queries/conversations.queries.js';
import { notFound } from '../errors.js';
import {
  AccountIdParam,
  ConversationIdParam,
  ConversationSchema,
  errorResponses,
  jsonContent,
  Limit,
  Offset,
} from '../schemas.js';

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/conversations',
  tags: ['conversations'],
  summary: 'Conversations, newest activity first',
  request: {
    query: z.object({
      account_id: AccountIdParam.optional(),
      limit: Limit(50, 200),
      offset: Offset,
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        conversations: z.array(ConversationSchema),
        total: z.number().int(),
        unread_total: z.number().int(),
      }),
      'A page of conversations',
    ),
    400: errorResponses[400],
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/v1/conversations/{id}',
  tags: ['conversations'],
  summary: 'One conversation',
  request: { params: z.object({ id: ConversationIdParam }) },
  responses: { 200: jsonContent(ConversationSchema, 'The conversation'), ...errorResponses },
});

export function registerConversationRoutes(app: OpenAPIHono, db: Drizzle) {
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json(
      await listConversations(db, { accountId: q.account_id, limit: q.limit, offset: q.offset }),
      200,
    );
  });
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const conversation = await getConversation(db, id);
    if (!conversation) throw notFound('conversation', id);
    return c.json(conversation, 200);
  });
}
