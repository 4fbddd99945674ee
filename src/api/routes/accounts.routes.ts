import { createRoute, z } from '@hono/zod-openapi';
import type { Actions } from '../../commands/actions.js';
import type { Drizzle } from '../../db/client.js';
import { AccountNotes, AccountStatus, DisplayName, Platform } from '../../events/index.js';
import { accountJson, accountsStatus, getAccountRow, listAccounts } from '../../queries/accounts.queries.js';
import { isTimeZone, startOfDay } from '../../queries/day.js';
import { principalOf, requireAccount, scopeOf } from '../auth.js';
import type { ApiApp } from '../env.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { AccountIdParam, ErrorSchema, errorResponses, jsonContent } from '../schemas.js';

/** Where the projector is: its checkpoint and the stream's last sequence (null when NATS does not answer). */
export interface ProjectorPosition {
  checkpoint: number;
  stream_last_seq: number | null;
  /**
   * With a partitioned log the figures above are totals over the partitions, and this is the
   * lag of an account's own partition (null when NATS does not answer).
   */
  lagOf?: (accountId: string) => number | null;
}

export interface AccountRoutesDeps {
  db: Drizzle;
  /** Registering, changing and removing accounts; without them the account routes are read-only. */
  actions?: Actions;
  clock: () => number;
  projectorPosition?: () => Promise<ProjectorPosition>;
}

const Ms = z.number().int().nullable();

const AccountSchema = z
  .object({
    account_id: z.string(),
    display_name: z.string().nullable(),
    platform: z.string().nullable(),
    status: AccountStatus.nullable(),
    notes: z.string().nullable(),
    registered: z.boolean().describe('registered by an operator (false: only seen on the log)'),
    registered_at: Ms,
    registered_by: z.string().nullable(),
    updated_at: Ms.describe('time of the last registration or change'),
    removed: z.boolean(),
    removed_at: Ms,
    removed_by: z.string().nullable(),
    message_count: z.number().int(),
    conversation_count: z.number().int(),
    last_message_captured_at: Ms.describe('when a worker captured its newest message'),
    last_captured_at: z.number().int().describe("captured_at of the account's newest event of any kind"),
    first_seq: z.number().int(),
    last_seq: z.number().int(),
  })
  .openapi('Account');

const AccountAction = z
  .object({ seq: z.number().int(), projected: z.literal(true), account: AccountSchema })
  .openapi('AccountActionResult');
const Accepted = z.object({ seq: z.number().int(), projected: z.literal(false) });
const idParams = z.object({ id: AccountIdParam });

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/accounts',
  tags: ['accounts'],
  summary: 'Monitored accounts (registered or seen on the log), removed ones left out',
  responses: { 200: jsonContent(z.object({ accounts: z.array(AccountSchema) }), 'By account id') },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/v1/accounts/{id}',
  tags: ['accounts'],
  summary: 'One monitored account',
  request: { params: idParams },
  responses: { 200: jsonContent(AccountSchema, 'The account'), ...errorResponses },
});

const createAccount = createRoute({
  method: 'post',
  path: '/api/v1/accounts',
  tags: ['accounts'],
  summary: 'Register a monitored account: appends AccountRegistered',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            account_id: AccountIdParam,
            display_name: DisplayName,
            platform: Platform.default('douyin'),
            status: AccountStatus.default('active'),
            notes: AccountNotes.nullable().optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: jsonContent(AccountAction, 'Registered (a removed account comes back with its history)'),
    202: jsonContent(Accepted, 'Appended but not yet projected: read with min_seq=seq'),
    ...errorResponses,
    409: jsonContent(ErrorSchema, 'account_exists: the account is registered already'),
  },
});

const patchAccount = createRoute({
  method: 'patch',
  path: '/api/v1/accounts/{id}',
  tags: ['accounts'],
  summary: "Change an account's display name, platform, status or notes: appends AccountUpdated",
  request: {
    params: idParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            display_name: DisplayName.optional(),
            platform: Platform.optional(),
            status: AccountStatus.optional(),
            notes: AccountNotes.nullable().optional().describe('null clears the notes'),
          }),
        },
      },
    },
  },
  responses: {
    200: jsonContent(AccountAction, 'Changed: the account as it is now'),
    202: jsonContent(Accepted, 'Appended but not yet projected: read with min_seq=seq'),
    ...errorResponses,
  },
});

const removeAccount = createRoute({
  method: 'delete',
  path: '/api/v1/accounts/{id}',
  tags: ['accounts'],
  summary: 'Stop monitoring an account: appends AccountRemoved; its history stays. Again, answers the first',
  request: { params: idParams },
  responses: {
    200: jsonContent(AccountAction, 'Removed (now, or before: then nothing is appended)'),
    202: jsonContent(Accepted, 'Appended but not yet projected: read with min_seq=seq'),
    ...errorResponses,
  },
});

const StatusQuery = z.object({
  tz: z
    .string()
    .min(1)
    .max(64)
    .refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
    .optional()
    .describe('the time zone whose calendar day is "today" (default UTC)'),
  since: z.coerce
    .number()
    .int()
    .min(0)
    .max(8_640_000_000_000_000)
    .optional()
    .describe('count messages created at or after this time (epoch ms) instead of today'),
});

const statusRoute = createRoute({
  method: 'get',
  path: '/api/v1/accounts/status/all',
  tags: ['accounts'],
  summary: 'Every monitored account at a glance: last capture, messages today, unread, pending replies, lag',
  request: { query: StatusQuery },
  responses: {
    200: jsonContent(
      z.object({
        accounts: z.array(
          z.object({
            account_id: z.string(),
            display_name: z.string().nullable(),
            platform: z.string().nullable(),
            status: AccountStatus.nullable(),
            last_message_captured_at: Ms,
            messages_today: z.number().int().describe('messages created since `since`, not recalled'),
            unread_total: z.number().int().describe("as the unread summary's total_unread"),
            pending_replies: z.number().int(),
            projector_lag_events: z
              .number()
              .int()
              .nullable()
              .describe('events on the log not yet projected (one projector serves every account)'),
          }),
        ),
        since: z.number().int().describe('the start of "today" (or the `since` asked)'),
        projector: z.object({
          checkpoint: z.number().int().nullable(),
          stream_last_seq: z.number().int().nullable(),
          lag_events: z.number().int().nullable(),
        }),
      }),
      'By account id',
    ),
    400: errorResponses[400],
  },
});

/** Monitored accounts: listed from the read model; registered, changed and removed as events. */
export function registerAccountRoutes(app: ApiApp, deps: AccountRoutesDeps) {
  const { db, actions, clock } = deps;

  /** Only the accounts of the key's scope. */
  const visible = <T extends { account_id: string }>(c: Parameters<typeof scopeOf>[0], rows: T[]) => {
    const scope = scopeOf(c);
    return scope === null ? rows : rows.filter((r) => scope.includes(r.account_id));
  };

  app.openapi(listRoute, async (c) => c.json({ accounts: visible(c, await listAccounts(db)) }, 200));

  app.openapi(statusRoute, async (c) => {
    const q = c.req.valid('query');
    if (q.tz !== undefined && q.since !== undefined) throw badRequest('since', 'give tz or since, not both');
    const now = clock();
    const since = q.since ?? startOfDay(now, q.tz ?? 'UTC');
    const [rows, position] = await Promise.all([
      accountsStatus(db, since, now),
      deps.projectorPosition?.().catch(() => null) ?? null,
    ]);
    const lag =
      position && position.stream_last_seq !== null
        ? Math.max(0, position.stream_last_seq - position.checkpoint)
        : null;
    return c.json(
      {
        accounts: visible(c, rows).map((r) => ({
          ...r,
          projector_lag_events: position?.lagOf ? position.lagOf(r.account_id) : lag,
        })),
        since,
        projector: {
          checkpoint: position?.checkpoint ?? null,
          stream_last_seq: position?.stream_last_seq ?? null,
          lag_events: lag,
        },
      },
      200,
    );
  });

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    requireAccount(c, id);
    const row = await getAccountRow(db, id);
    if (!row || row.removed) throw notFound('account', id);
    return c.json(accountJson(row), 200);
  });

  if (!actions) return;

  /** The account once the action is projected. */
  async function projected(id: string) {
    return accountJson((await getAccountRow(db, id))!);
  }

  app.openapi(createAccount, async (c) => {
    const b = c.req.valid('json');
    const row = await getAccountRow(db, b.account_id);
    if (row?.registeredAt != null && !row.removed) {
      throw conflict('account_exists', `account ${JSON.stringify(b.account_id)} is registered already`);
    }
    const r = await actions.append(principalOf(c), b.account_id, 'AccountRegistered', {
      display_name: b.display_name,
      platform: b.platform,
      status: b.status,
      notes: b.notes ?? null,
    });
    if (!r.projected) return c.json({ seq: r.seq, projected: false as const }, 202);
    c.header('Location', `/api/v1/accounts/${encodeURIComponent(b.account_id)}`);
    return c.json({ seq: r.seq, projected: true as const, account: await projected(b.account_id) }, 201);
  });

  app.openapi(patchAccount, async (c) => {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    if (Object.values(b).every((v) => v === undefined)) {
      throw badRequest('display_name', 'give at least one of display_name, platform, status, notes');
    }
    const row = await getAccountRow(db, id);
    if (!row || row.removed) throw notFound('account', id);
    const r = await actions.append(principalOf(c), id, 'AccountUpdated', b);
    if (!r.projected) return c.json({ seq: r.seq, projected: false as const }, 202);
    return c.json({ seq: r.seq, projected: true as const, account: await projected(id) }, 200);
  });

  app.openapi(removeAccount, async (c) => {
    const { id } = c.req.valid('param');
    let row = await getAccountRow(db, id);
    if (!row) throw notFound('account', id);
    let seq = row.removedSeq;
    if (!row.removed) {
      const r = await actions.append(principalOf(c), id, 'AccountRemoved', {});
      if (!r.projected) return c.json({ seq: r.seq, projected: false as const }, 202);
      row = (await getAccountRow(db, id))!;
      seq = row.removedSeq ?? r.seq;
    }
    // the removal that stands: this one, or the first when the account was removed already
    return c.json({ seq: seq!, projected: true as const, account: accountJson(row) }, 200);
  });
}
