import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ActionResult, Actions } from '../../commands/actions.js';
import type { Drizzle } from '../../db/client.js';
import { MAX_TAGS, PlatformId, Tag } from '../../events/index.js';
import { accountExists } from '../../queries/accounts.queries.js';
import { getConversation, listBlockedUsers, listTags } from '../../queries/conversations.queries.js';
import { principalOf, requireAccount } from '../auth.js';
import type { ApiApp, AppEnv } from '../env.js';
import { badRequest, notFound } from '../errors.js';
import {
  AccountIdParam,
  ConversationIdParam,
  ConversationSchema,
  errorResponses,
  jsonContent,
} from '../schemas.js';

const ActionAccepted = z
  .object({ seq: z.number().int(), projected: z.literal(false) })
  .openapi('ActionAccepted');
const ConversationAction = z
  .object({ seq: z.number().int(), projected: z.literal(true), conversation: ConversationSchema })
  .openapi('ConversationActionResult');
const BlockAction = z.object({ seq: z.number().int(), projected: z.boolean() }).openapi('BlockActionResult');

const actionResponses = {
  200: jsonContent(ConversationAction, 'Done: the event is projected; the conversation as it is now'),
  202: jsonContent(ActionAccepted, 'Appended but not yet projected: read with min_seq=seq'),
  ...errorResponses,
} as const;

const idParams = z.object({ id: ConversationIdParam });

const pin = createRoute({
  method: 'post',
  path: '/api/v1/conversations/{id}/pin',
  tags: ['conversations'],
  summary: 'Pin a conversation',
  request: { params: idParams },
  responses: actionResponses,
});
const unpin = createRoute({
  method: 'delete',
  path: '/api/v1/conversations/{id}/pin',
  tags: ['conversations'],
  summary: 'Unpin a conversation',
  request: { params: idParams },
  responses: actionResponses,
});
const patch = createRoute({
  method: 'patch',
  path: '/api/v1/conversations/{id}',
  tags: ['conversations'],
  summary: 'Archive or unarchive, mute (until a time) or unmute (null)',
  request: {
    params: idParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            is_archived: z.boolean().optional(),
            mute_until: z.number().int().min(0).max(8_640_000_000_000_000).nullable().optional(),
          }),
        },
      },
    },
  },
  responses: actionResponses,
});
const addTags = createRoute({
  method: 'post',
  path: '/api/v1/conversations/{id}/tags',
  tags: ['conversations'],
  summary: 'Add tags (trimmed, 1-32 characters, at most 20 a conversation)',
  request: {
    params: idParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ tags: z.array(Tag).min(1).max(MAX_TAGS) }) } },
    },
  },
  responses: actionResponses,
});
const removeTag = createRoute({
  method: 'delete',
  path: '/api/v1/conversations/{id}/tags/{tag}',
  tags: ['conversations'],
  summary: 'Remove a tag',
  request: { params: z.object({ id: ConversationIdParam, tag: Tag }) },
  responses: actionResponses,
});

const blockParams = z.object({ platform_user_id: PlatformId });
const blockQuery = z.object({ account_id: AccountIdParam });
const block = createRoute({
  method: 'post',
  path: '/api/v1/users/{platform_user_id}/block',
  tags: ['users'],
  summary: 'Block a user for one monitored account',
  request: { params: blockParams, query: blockQuery },
  responses: {
    200: jsonContent(BlockAction, 'Blocked'),
    202: jsonContent(BlockAction, 'Appended, not yet projected'),
    ...errorResponses,
  },
});
const unblock = createRoute({
  method: 'delete',
  path: '/api/v1/users/{platform_user_id}/block',
  tags: ['users'],
  summary: 'Unblock a user for one monitored account',
  request: { params: blockParams, query: blockQuery },
  responses: {
    200: jsonContent(BlockAction, 'Unblocked'),
    202: jsonContent(BlockAction, 'Appended, not yet projected'),
    ...errorResponses,
  },
});
const blockedUsersRoute = createRoute({
  method: 'get',
  path: '/api/v1/blocked-users',
  tags: ['users'],
  summary: "An account's blocked users",
  request: { query: blockQuery },
  responses: {
    200: jsonContent(
      z.object({
        blocked_users: z.array(
          z.object({
            platform_user_id: z.string(),
            name: z.string().nullable(),
            avatar: z.string().nullable(),
            blocked_at: z.number().int(),
            blocked_by: z.string().nullable(),
          }),
        ),
      }),
      'Most recently blocked first',
    ),
    400: errorResponses[400],
  },
});
const tagsRoute = createRoute({
  method: 'get',
  path: '/api/v1/tags',
  tags: ['conversations'],
  summary: "Tags in use on an account's conversations, with counts",
  request: { query: blockQuery },
  responses: {
    200: jsonContent(
      z.object({ tags: z.array(z.object({ tag: z.string(), count: z.number().int() })) }),
      'Most used first',
    ),
    400: errorResponses[400],
  },
});

/** Routes that append client actions to the log, then answer from the projected read model. */
export function registerActionRoutes(app: ApiApp, db: Drizzle, actions: Actions) {
  async function conversationOr404(c: Context<AppEnv>, id: string) {
    const conversation = await getConversation(db, id);
    if (!conversation) throw notFound('conversation', id);
    requireAccount(c, conversation.account_id);
    return conversation;
  }
  async function answer(c: Context, id: string, result: ActionResult) {
    if (!result.projected) return c.json({ seq: result.seq, projected: false as const }, 202);
    return c.json(
      { seq: result.seq, projected: true as const, conversation: (await getConversation(db, id))! },
      200,
    );
  }

  app.openapi(pin, async (c) => {
    const { id } = c.req.valid('param');
    const conv = await conversationOr404(c, id);
    return answer(
      c,
      id,
      await actions.append(principalOf(c), conv.account_id, 'ConversationPinned', { conversation_id: id }),
    ) as never;
  });
  app.openapi(unpin, async (c) => {
    const { id } = c.req.valid('param');
    const conv = await conversationOr404(c, id);
    return answer(
      c,
      id,
      await actions.append(principalOf(c), conv.account_id, 'ConversationUnpinned', { conversation_id: id }),
    ) as never;
  });
  app.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    if (body.is_archived === undefined && body.mute_until === undefined) {
      throw badRequest('is_archived', 'give is_archived and/or mute_until');
    }
    const conv = await conversationOr404(c, id);
    let result: ActionResult | null = null;
    if (body.is_archived !== undefined) {
      const type = body.is_archived ? 'ConversationArchived' : 'ConversationUnarchived';
      result = await actions.append(principalOf(c), conv.account_id, type, { conversation_id: id });
    }
    if (body.mute_until !== undefined) {
      result = await actions.append(principalOf(c), conv.account_id, 'ConversationMuted', {
        conversation_id: id,
        mute_until: body.mute_until,
      });
    }
    return answer(c, id, result!) as never;
  });
  app.openapi(addTags, async (c) => {
    const { id } = c.req.valid('param');
    const { tags } = c.req.valid('json');
    const conv = await conversationOr404(c, id);
    const after = new Set([...conv.tags, ...tags]);
    if (after.size > MAX_TAGS)
      throw badRequest('tags', `a conversation has at most ${MAX_TAGS} tags (it has ${conv.tags.length})`);
    return answer(
      c,
      id,
      await actions.append(principalOf(c), conv.account_id, 'ConversationTagged', {
        conversation_id: id,
        tags: [...new Set(tags)],
      }),
    ) as never;
  });
  app.openapi(removeTag, async (c) => {
    const { id, tag } = c.req.valid('param');
    const conv = await conversationOr404(c, id);
    return answer(
      c,
      id,
      await actions.append(principalOf(c), conv.account_id, 'ConversationUntagged', {
        conversation_id: id,
        tag,
      }),
    ) as never;
  });

  async function accountOr404(accountId: string) {
    if (!(await accountExists(db, accountId))) throw notFound('account', accountId);
  }
  app.openapi(block, async (c) => {
    const { platform_user_id } = c.req.valid('param');
    const { account_id } = c.req.valid('query');
    await accountOr404(account_id);
    const r = await actions.append(principalOf(c), account_id, 'UserBlocked', { platform_user_id });
    return c.json({ seq: r.seq, projected: r.projected }, r.projected ? 200 : 202);
  });
  app.openapi(unblock, async (c) => {
    const { platform_user_id } = c.req.valid('param');
    const { account_id } = c.req.valid('query');
    await accountOr404(account_id);
    const r = await actions.append(principalOf(c), account_id, 'UserUnblocked', { platform_user_id });
    return c.json({ seq: r.seq, projected: r.projected }, r.projected ? 200 : 202);
  });
  app.openapi(blockedUsersRoute, async (c) => {
    const { account_id } = c.req.valid('query');
    return c.json({ blocked_users: await listBlockedUsers(db, account_id) }, 200);
  });
  app.openapi(tagsRoute, async (c) => {
    const { account_id } = c.req.valid('query');
    return c.json({ tags: await listTags(db, account_id) }, 200);
  });
}
