import { createRoute, z } from '@hono/zod-openapi';
import type { Drizzle } from '../../db/client.js';
import { Tag, Text } from '../../events/index.js';
import { getConversation, listConversations } from '../../queries/conversations.queries.js';
import { requireAccount, scopeOf } from '../auth.js';
import type { ApiApp } from '../env.js';
import { notFound } from '../errors.js';
import {
  AccountIdParam,
  ConversationIdParam,
  ConversationSchema,
  errorResponses,
  jsonContent,
  Limit,
  Offset,
  QueryBool,
} from '../schemas.js';

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/conversations',
  tags: ['conversations'],
  summary: 'Conversations: pinned first, then by the chosen sort; filters by status, tag, pin and text',
  request: {
    query: z.object({
      account_id: AccountIdParam.optional(),
      status: z.enum(['active', 'archived', 'blocked']).optional(),
      sort_by: z.enum(['last_message_time', 'unread_count', 'name']).default('last_message_time'),
      order: z.enum(['asc', 'desc']).optional(),
      search: Text(100).min(1).optional(),
      tag: Tag.optional(),
      pinned: QueryBool.optional(),
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

export function registerConversationRoutes(app: ApiApp, db: Drizzle) {
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await listConversations(db, {
      accountId: q.account_id,
      accountIds: scopeOf(c),
      status: q.status,
      sortBy: q.sort_by,
      // names read A to Z by default; times and counts largest first
      order: q.order ?? (q.sort_by === 'name' ? 'asc' : 'desc'),
      search: q.search,
      tag: q.tag,
      pinned: q.pinned,
      now: Date.now(),
      limit: q.limit,
      offset: q.offset,
    });
    return c.json(page, 200);
  });
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const conversation = await getConversation(db, id);
    if (!conversation) throw notFound('conversation', id);
    requireAccount(c, conversation.account_id);
    return c.json(conversation, 200);
  });
}
