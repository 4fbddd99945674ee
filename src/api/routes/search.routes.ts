import { createRoute, z } from '@hono/zod-openapi';
import type { Drizzle } from '../../db/client.js';
import { Channel, MessageType, Text } from '../../events/index.js';
import { searchConversations, searchMessages } from '../../queries/search.queries.js';
import { buildTsQuery, highlightTerms, searchPlan } from '../../search/query.js';
import { snippet } from '../../search/snippet.js';
import { requireAccount, requireConversationAccount, scopeOf } from '../auth.js';
import type { ApiApp } from '../env.js';
import {
  AccountIdParam,
  ConversationIdParam,
  ConversationSchema,
  errorResponses,
  jsonContent,
  Limit,
  MessageSchema,
  Offset,
} from '../schemas.js';

/** A time as epoch milliseconds or an ISO 8601 date or date-time. */
const DateInput = z.union([
  z.number().int().min(0).max(8_640_000_000_000_000),
  z
    .string()
    .max(40)
    .refine(
      (s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)),
      'must be epoch ms or an ISO 8601 date',
    )
    .transform((s) => Date.parse(s)),
]);

const QueryText = Text(256);

export const SearchBody = z
  .object({
    query: QueryText.default(''),
    account_id: AccountIdParam.optional(),
    conversation_id: ConversationIdParam.optional(),
    from_user_id: AccountIdParam.optional(),
    start_date: DateInput.optional(),
    end_date: DateInput.optional(),
    message_type: MessageType.optional(),
    channel: Channel.optional(),
    sort: z.enum(['relevance', 'newest']).default('relevance'),
    limit: z.number().int().min(1).max(200).default(50),
    offset: z.number().int().min(0).max(10_000).default(0),
  })
  .superRefine((b, ctx) => {
    const filtered = [
      b.account_id,
      b.conversation_id,
      b.from_user_id,
      b.start_date,
      b.end_date,
      b.message_type,
      b.channel,
    ].some((v) => v !== undefined);
    if (buildTsQuery(b.query) === null && !filtered) {
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'give a query, or at least one filter' });
    }
    if (b.start_date !== undefined && b.end_date !== undefined && b.start_date > b.end_date) {
      ctx.addIssue({ code: 'custom', path: ['start_date'], message: 'must not be after end_date' });
    }
  });

const SearchHit = MessageSchema.extend({ snippet: z.string(), rank: z.number() }).openapi('SearchHit');

const messagesRoute = createRoute({
  method: 'post',
  path: '/api/v1/messages/search',
  tags: ['search'],
  summary: 'Full-text search over messages (Chinese substrings, Latin word prefixes), with filters',
  request: { body: { content: { 'application/json': { schema: SearchBody } }, required: true } },
  responses: {
    200: jsonContent(
      z.object({
        messages: z.array(SearchHit),
        total: z
          .number()
          .int()
          .describe('the number of matches: exact, or an estimate when total_exact is false'),
        total_exact: z
          .boolean()
          .describe(
            'false for a query common enough (thousands of matches) that its matches are not all read: total is then estimated from their density',
          ),
        has_more: z.boolean(),
      }),
      'Matching messages, best first (or newest first)',
    ),
    400: errorResponses[400],
  },
});

const conversationsRoute = createRoute({
  method: 'get',
  path: '/api/v1/conversations/search',
  tags: ['search'],
  summary: "Conversations whose friend's name or messages match",
  request: {
    query: z.object({
      account_id: AccountIdParam,
      q: QueryText.min(1),
      limit: Limit(20, 100),
      offset: Offset,
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        conversations: z.array(
          ConversationSchema.extend({ matching_messages: z.number().int(), name_match: z.boolean() }),
        ),
      }),
      'Conversations, most matching messages first',
    ),
    400: errorResponses[400],
  },
});

/** Registered before `/conversations/{id}` so that `search` is not taken for an id. */
export function registerSearchRoutes(app: ApiApp, db: Drizzle) {
  app.openapi(messagesRoute, async (c) => {
    const b = c.req.valid('json');
    if (b.account_id !== undefined) requireAccount(c, b.account_id);
    if (b.conversation_id !== undefined) await requireConversationAccount(c, db, b.conversation_id);
    const { rows, total, totalExact, hasMore } = await searchMessages(db, {
      plan: searchPlan(b.query),
      accountId: b.account_id,
      accountIds: scopeOf(c),
      conversationId: b.conversation_id,
      fromUserId: b.from_user_id,
      startDate: b.start_date,
      endDate: b.end_date,
      messageType: b.message_type,
      channel: b.channel,
      sort: b.sort,
      limit: b.limit,
      offset: b.offset,
    });
    const terms = highlightTerms(b.query);
    return c.json(
      {
        messages: rows.map((m) => ({ ...m, snippet: snippet(m.content, terms) })),
        total,
        total_exact: totalExact,
        has_more: hasMore,
      },
      200,
    );
  });
  app.openapi(conversationsRoute, async (c) => {
    const q = c.req.valid('query');
    const conversations = await searchConversations(
      db,
      q.account_id,
      q.q,
      searchPlan(q.q),
      q.limit + q.offset,
    );
    return c.json({ conversations: conversations.slice(q.offset) }, 200);
  });
}
