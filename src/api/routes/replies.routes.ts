import { createRoute, z } from '@hono/zod-openapi';
import type { Actions } from '../../commands/actions.js';
import type { Drizzle } from '../../db/client.js';
import {
  Channel,
  IdempotencyKey,
  messageId,
  PlatformId,
  ReplyRef,
  replyId,
  Text,
} from '../../events/index.js';
import { getAccountRow } from '../../queries/accounts.queries.js';
import { getConversation } from '../../queries/conversations.queries.js';
import { getMessageForAction } from '../../queries/messages.queries.js';
import {
  getReply,
  listReplies,
  REPLY_STATUSES,
  type ReplyJson,
  replyStats,
} from '../../queries/replies.queries.js';
import { principalOf, requireAccount, scopeOf } from '../auth.js';
import type { ApiApp } from '../env.js';
import { conflict, notFound } from '../errors.js';
import {
  AccountIdParam,
  ConversationIdParam,
  ErrorSchema,
  errorResponses,
  jsonContent,
  Limit,
  Offset,
} from '../schemas.js';

/** How long a reply may stay pending before the hub expires it, unless configured. */
export const DEFAULT_REPLY_TIMEOUT_MS = 5 * 60 * 1000;

const ReplyStatus = z.enum(REPLY_STATUSES);
const Ms = z.number().int().nullable();

const ReplySchema = z
  .object({
    reply_id: z.string(),
    account_id: z.string(),
    conversation_id: z.string().describe('the hub id of the DM thread or video'),
    channel: Channel,
    platform_conversation_id: z.string(),
    reply_to: z.string().nullable().describe('platform id of the comment replied under'),
    content: z.string(),
    status: ReplyStatus,
    attempts: z.number().int().describe('deliveries to the worker, from its outcome (0 while pending)'),
    platform_message_id: z.string().nullable().describe("the sent reply's id on the platform"),
    message_id: z.string().nullable().describe('the hub id the sent reply has as a captured message'),
    failure_reason: z.string().nullable(),
    requested_by: z.string().nullable(),
    requested_at: z.number().int(),
    expires_at: z.number().int(),
    sent_at: Ms,
    failed_at: Ms,
    expired_at: Ms,
    seq: z.number().int().describe('the sequence of the ReplyRequested'),
    version: z.number().int().describe('the sequence of the last change'),
  })
  .openapi('Reply');

const ReplyBody = z
  .object({
    account_id: AccountIdParam,
    conversation_id: ConversationIdParam.optional().describe(
      'reply in this conversation (DM thread or video)',
    ),
    comment: PlatformId.optional().describe('reply under this comment (its platform_message_id)'),
    content: Text(65_536).min(1),
  })
  .superRefine((b, ctx) => {
    if (b.conversation_id === undefined && b.comment === undefined) {
      ctx.addIssue({ code: 'custom', path: ['conversation_id'], message: 'give conversation_id or comment' });
    } else if (b.conversation_id !== undefined && b.comment !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['comment'],
        message: 'give conversation_id or comment, not both',
      });
    }
  });

const ReplyCreated = z
  .object({ seq: z.number().int(), projected: z.literal(true), reply: ReplySchema })
  .openapi('ReplyActionResult');

const createReply = createRoute({
  method: 'post',
  path: '/api/v1/replies',
  tags: ['replies'],
  summary: "Ask the account's worker to send a reply: appends ReplyRequested, once per Idempotency-Key",
  request: {
    headers: z.object({
      'idempotency-key': IdempotencyKey.describe(
        "the client's key for this request; the same key again answers the same reply",
      ),
    }),
    body: { required: true, content: { 'application/json': { schema: ReplyBody } } },
  },
  responses: {
    201: jsonContent(ReplyCreated, 'Requested: the reply, pending until a worker reports'),
    200: jsonContent(
      ReplyCreated,
      'This key was used before: the same reply, as it is now (Idempotent-Replayed: true)',
    ),
    202: jsonContent(
      z.object({ seq: z.number().int(), projected: z.literal(false), reply_id: z.string() }),
      'Appended but not yet projected: read it with min_seq=seq',
    ),
    ...errorResponses,
    409: jsonContent(
      ErrorSchema,
      'idempotency_key_reused: the key named another request; message_recalled: the comment is recalled',
    ),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/v1/replies/{replyId}',
  tags: ['replies'],
  summary: 'One reply: status, attempts, times',
  request: { params: z.object({ replyId: ReplyRef }) },
  responses: { 200: jsonContent(ReplySchema, 'The reply'), ...errorResponses },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/replies',
  tags: ['replies'],
  summary: 'Replies, newest request first',
  request: {
    query: z.object({
      account_id: AccountIdParam.optional(),
      status: ReplyStatus.optional(),
      limit: Limit(50, 200),
      offset: Offset,
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ replies: z.array(ReplySchema), total: z.number().int(), has_more: z.boolean() }),
      'A page of replies',
    ),
    400: errorResponses[400],
  },
});

const statsRoute = createRoute({
  method: 'get',
  path: '/api/v1/replies/account/{accountId}/stats',
  tags: ['replies'],
  summary: "An account's replies by status, and the median time from request to sent",
  request: { params: z.object({ accountId: AccountIdParam }) },
  responses: {
    200: jsonContent(
      z.object({
        account_id: z.string(),
        total: z.number().int(),
        by_status: z.object({
          pending: z.number().int(),
          sent: z.number().int(),
          failed: z.number().int(),
          expired: z.number().int(),
        }),
        median_time_to_sent_ms: z.number().int().nullable(),
      }),
      'The counts',
    ),
    ...errorResponses,
  },
});

/**
 * Is this stored reply what the request asks for? The key names the account already; the same
 * key with another target or content is a client's mistake, not a retry.
 */
function sameRequest(r: ReplyJson, b: z.infer<typeof ReplyBody>): boolean {
  const target =
    b.comment !== undefined
      ? r.reply_to === b.comment
      : r.conversation_id === b.conversation_id && r.reply_to === null;
  return target && r.content === b.content;
}

interface Target {
  channel: Channel;
  conversation_id: string;
  reply_to?: string;
}

export interface ReplyRoutesDeps {
  db: Drizzle;
  actions?: Actions;
  /** How long a requested reply may stay pending (its `expires_at` is the request's time plus this). */
  replyTimeoutMs?: number;
}

/** Replies: requested by clients as events, sent by the account's worker, read from the read model. */
export function registerReplyRoutes(app: ApiApp, deps: ReplyRoutesDeps) {
  const { db, actions } = deps;
  const timeoutMs = deps.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;

  app.openapi(statsRoute, async (c) => {
    const { accountId } = c.req.valid('param');
    requireAccount(c, accountId);
    if (!(await getAccountRow(db, accountId))) throw notFound('account', accountId);
    return c.json(await replyStats(db, accountId), 200);
  });
  app.openapi(getRoute, async (c) => {
    const { replyId: id } = c.req.valid('param');
    const reply = await getReply(db, id);
    if (!reply) throw notFound('reply', id);
    requireAccount(c, reply.account_id);
    return c.json(reply, 200);
  });
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json(
      await listReplies(db, {
        accountId: q.account_id,
        accountIds: scopeOf(c),
        status: q.status,
        limit: q.limit,
        offset: q.offset,
      }),
      200,
    );
  });

  if (!actions) return;

  async function targetOf(accountId: string, b: z.infer<typeof ReplyBody>): Promise<Target> {
    if (b.conversation_id !== undefined) {
      const conv = await getConversation(db, b.conversation_id);
      if (!conv || conv.account_id !== accountId) throw notFound('conversation', b.conversation_id);
      return { channel: conv.channel, conversation_id: conv.platform_conversation_id };
    }
    const comment = b.comment!;
    const m = await getMessageForAction(db, messageId(accountId, comment));
    if (m?.channel !== 'comment') throw notFound('comment', comment);
    if (m.recalled) throw conflict('message_recalled', `comment ${JSON.stringify(comment)} is recalled`);
    return { channel: 'comment', conversation_id: m.platformConversationId, reply_to: comment };
  }

  const reused = (key: string, id: string) =>
    conflict(
      'idempotency_key_reused',
      `Idempotency-Key ${JSON.stringify(key)} was used for another request (reply ${id})`,
    );

  app.openapi(createReply, async (c) => {
    const b = c.req.valid('json');
    const headers = c.req.valid('header');
    const key = headers['idempotency-key'];
    requireAccount(c, b.account_id);
    const id = replyId(b.account_id, key);
    const known = await getReply(db, id);
    if (known) {
      // a retry: its reply as it is now, even if the account or conversation went away meanwhile
      if (!sameRequest(known, b)) throw reused(key, id);
      c.header('Idempotent-Replayed', 'true');
      return c.json({ seq: known.seq, projected: true as const, reply: known }, 200);
    }
    const account = await getAccountRow(db, b.account_id);
    if (!account || account.removed) throw notFound('account', b.account_id);
    const target = await targetOf(b.account_id, b);
    const r = await actions.append(
      principalOf(c),
      b.account_id,
      'ReplyRequested',
      (now) => ({
        reply_id: id,
        idempotency_key: key,
        channel: target.channel,
        conversation_id: target.conversation_id,
        ...(target.reply_to === undefined ? {} : { reply_to: target.reply_to }),
        content: b.content,
        requested_at: now,
        expires_at: now + timeoutMs,
      }),
      id,
    );
    if (!r.projected) return c.json({ seq: r.seq, projected: false as const, reply_id: id }, 202);
    const reply = (await getReply(db, id))!;
    // the same key came in twice at once: the stream kept the first, whichever it was
    if (!sameRequest(reply, b)) throw reused(key, id);
    c.header('Location', `/api/v1/replies/${id}`);
    if (r.duplicate) c.header('Idempotent-Replayed', 'true');
    return c.json({ seq: reply.seq, projected: true as const, reply }, r.duplicate ? 200 : 201);
  });
}
