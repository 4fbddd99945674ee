import { createRoute, z } from '@hono/zod-openapi';
import type { Drizzle } from '../../db/client.js';
import { PlatformId } from '../../events/index.js';
import { getUser, getUsersJson } from '../../queries/users.queries.js';
import { requireAccount, scopeOf } from '../auth.js';
import type { ApiApp } from '../env.js';
import { notFound } from '../errors.js';
import { AccountIdParam, errorResponses, jsonContent, jsonText } from '../schemas.js';

/** Most ids in one batch look-up. */
export const MAX_BATCH_USERS = 500;

const Count = z.number().int().nullable();

const UserSchema = z
  .object({
    user_id: z.string().describe('the platform user id'),
    name: z.string().nullable(),
    avatar: z.string().nullable(),
    signature: z.string().nullable(),
    follower_count: Count,
    following_count: Count,
    video_count: Count,
    is_verified: z.boolean().nullable(),
    is_friend: z
      .boolean()
      .describe("the friend of one of account_id's direct conversations; false without account_id"),
    platform: z.literal('douyin'),
    first_seen_at: z.number().int().describe('platform time of the first message or profile observation'),
    last_seen_at: z.number().int(),
    message_count: z.number().int().describe('messages they sent'),
    accounts: z.array(z.string()).describe('monitored accounts they sent messages to, first contact first'),
  })
  .describe(
    'The newest profile seen of a platform user; a field no worker has seen yet is null. A key limited to some accounts sees only users who sent messages to one of them, with message_count and accounts counted within them',
  )
  .openapi('User');

const FriendOf = z.object({ account_id: AccountIdParam.optional() });

const getRoute = createRoute({
  method: 'get',
  path: '/api/v1/users/{platform_user_id}',
  tags: ['users'],
  summary: 'One platform user: the newest profile seen, with is_friend relative to account_id',
  request: { params: z.object({ platform_user_id: PlatformId }), query: FriendOf },
  responses: { 200: jsonContent(UserSchema, 'The user'), ...errorResponses },
});

const batchRoute = createRoute({
  method: 'post',
  path: '/api/v1/users/batch',
  tags: ['users'],
  summary: `Up to ${MAX_BATCH_USERS} users in one look-up`,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: FriendOf.extend({ user_ids: z.array(PlatformId).min(1).max(MAX_BATCH_USERS) }),
        },
      },
    },
  },
  responses: {
    200: jsonContent(
      z.object({
        users: z.array(UserSchema).describe('in the order asked, each once'),
        missing: z.array(z.string()).describe('ids no worker has seen'),
      }),
      'The users found and the ids not found',
    ),
    400: errorResponses[400],
  },
});

/** The users read model: profiles from every message sender and every profile observation. */
export function registerUserRoutes(app: ApiApp, db: Drizzle) {
  app.openapi(batchRoute, async (c) => {
    const { user_ids, account_id } = c.req.valid('json');
    if (account_id !== undefined) requireAccount(c, account_id);
    return jsonText(c, await getUsersJson(db, user_ids, account_id, scopeOf(c)));
  });
  app.openapi(getRoute, async (c) => {
    const { platform_user_id } = c.req.valid('param');
    const user = await getUser(db, platform_user_id, c.req.valid('query').account_id, scopeOf(c));
    if (!user) throw notFound('user', platform_user_id);
    return c.json(user, 200);
  });
}
