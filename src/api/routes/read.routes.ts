import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, inArray } from 'drizzle-orm';
import type { Principal } from '../../auth/api-keys.js';
import type { Actions } from '../../commands/actions.js';
import type { Drizzle } from '../../db/client.js';
import { actionOutcomes, messages } from '../../db/schema.js';
import { getConversation, unreadSummary } from '../../queries/conversations.queries.js';
import { principalOf, requireAccount } from '../auth.js';
import type { ApiApp } from '../env.js';
import { badRequest, notFound } from '../errors.js';
import {
  AccountIdParam,
  ConversationIdParam,
  errorResponses,
  jsonContent,
  Limit,
  MessageIdParam,
} from '../schemas.js';

const MarkReadBody = z
  .object({
    conversation_id: ConversationIdParam.optional(),
    message_ids: z.array(MessageIdParam).min(1).max(500).optional(),
    /** Everything up to this time (epoch ms); defaults to now. */
    read_at: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.conversation_id === undefined) === (b.message_ids === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['conversation_id'],
        message: 'give conversation_id or message_ids (one of them)',
      });
    }
  });

const MarkReadResult = z
  .object({
    updated: z.number().int().describe('messages that changed from unread to read'),
    seq: z.number().int().describe('the last sequence appended'),
    projected: z.boolean(),
  })
  .openapi('MarkReadResult');

const markRead = createRoute({
  method: 'patch',
  path: '/api/v1/messages/mark-read',
  tags: ['read state'],
  summary: 'Mark a whole conversation read up to a time, or some messages',
  request: { body: { required: true, content: { 'application/json': { schema: MarkReadBody } } } },
  responses: {
    200: jsonContent(MarkReadResult, 'Marked'),
    202: jsonContent(MarkReadResult, 'Appended, not yet projected'),
    ...errorResponses,
  },
});

const readOne = createRoute({
  method: 'post',
  path: '/api/v1/messages/{id}/read',
  tags: ['read state'],
  summary: 'Mark one message read',
  request: { params: z.object({ id: MessageIdParam }) },
  responses: {
    200: jsonContent(MarkReadResult, 'Marked'),
    202: jsonContent(MarkReadResult, 'Appended, not yet projected'),
    ...errorResponses,
  },
});

const SummarySchema = z
  .object({
    total_unread: z.number().int(),
    conversations_unread: z.array(
      z.object({
        conversation_id: z.string(),
        unread_count: z.number().int(),
        last_unread_message: z.string().nullable(),
        last_unread_time: z.number().int().nullable(),
      }),
    ),
  })
  .openapi('UnreadSummary');

const summaryRoute = (path: string) =>
  createRoute({
    method: 'get',
    path,
    tags: ['read state'],
    summary:
      'Unread totals of an account (muted, archived and blocked conversations are left out of the total)',
    request: { query: z.object({ account_id: AccountIdParam, limit: Limit(100, 1000) }) },
    responses: { 200: jsonContent(SummarySchema, 'Unread state'), 400: errorResponses[400] },
  });

/** The unread summary is a read; marking needs `actions` (a read-only process has none). */
export function registerReadRoutes(app: ApiApp, db: Drizzle, actions?: Actions) {
  for (const path of ['/api/v1/unread-summary', '/api/v1/conversations/unread/summary']) {
    app.openapi(summaryRoute(path), async (c) => {
      const q = c.req.valid('query');
      return c.json(await unreadSummary(db, q.account_id, Date.now(), q.limit), 200);
    });
  }
  if (!actions) return;
  const act = actions;
  /** One event per conversation; the answer sums what the projection says each changed. */
  async function mark(
    by: Principal,
    groups: Map<string, { accountId: string; ids?: string[] }>,
    readAt: number,
  ) {
    let updated = 0;
    let seq = 0;
    let projected = true;
    for (const [conversationId, g] of groups) {
      const r = await act.append(by, g.accountId, 'MessagesMarkedRead', {
        conversation_id: conversationId,
        read_at: readAt,
        ...(g.ids ? { message_ids: g.ids } : {}),
      });
      seq = r.seq;
      projected &&= r.projected;
      if (r.projected) {
        const [o] = await db
          .select()
          .from(actionOutcomes)
          .where(and(eq(actionOutcomes.accountId, g.accountId), eq(actionOutcomes.seq, r.seq)));
        updated += o?.updated ?? 0;
      }
    }
    return { updated, seq, projected };
  }

  async function groupsOf(ids: string[]) {
    const rows = await db
      .select({ id: messages.id, conversationId: messages.conversationId, accountId: messages.accountId })
      .from(messages)
      .where(inArray(messages.id, ids));
    const groups = new Map<string, { accountId: string; ids: string[] }>();
    for (const r of rows) {
      if (!r.conversationId) continue; // known only from an early edit or recall
      const g = groups.get(r.conversationId) ?? { accountId: r.accountId, ids: [] };
      g.ids.push(r.id);
      groups.set(r.conversationId, g);
    }
    return groups;
  }

  app.openapi(markRead, async (c) => {
    const b = c.req.valid('json');
    const readAt = b.read_at ?? Date.now();
    let groups: Map<string, { accountId: string; ids?: string[] }>;
    if (b.conversation_id) {
      const conv = await getConversation(db, b.conversation_id);
      if (!conv) throw notFound('conversation', b.conversation_id);
      groups = new Map([[conv.id, { accountId: conv.account_id }]]);
    } else {
      groups = await groupsOf([...new Set(b.message_ids!)]);
      if (groups.size === 0) throw notFound('message', b.message_ids!.join(','));
    }
    if (groups.size > 50) throw badRequest('message_ids', 'at most 50 conversations in one call');
    // all or nothing: one message of another account refuses the whole call
    for (const g of groups.values()) requireAccount(c, g.accountId);
    const r = await mark(principalOf(c), groups, readAt);
    return c.json(r, r.projected ? 200 : 202);
  });

  app.openapi(readOne, async (c) => {
    const { id } = c.req.valid('param');
    const groups = await groupsOf([id]);
    if (groups.size === 0) throw notFound('message', id);
    for (const g of groups.values()) requireAccount(c, g.accountId);
    const r = await mark(principalOf(c), groups, Date.now());
    return c.json(r, r.projected ? 200 : 202);
  });
}
