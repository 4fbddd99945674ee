import { createRoute, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import type { AuditLog, AuditLogs, HistoryQuery } from '../../audit/audit-log.js';
import { errorLine } from '../../audit/format.js';
import { formatScope } from '../../auth/api-keys.js';
import { EVENT_TYPES, type EventType } from '../../events/index.js';
import { forbidden, requireAccount, scopeOf } from '../auth.js';
import type { ApiApp } from '../env.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import {
  AccountIdParam,
  ConversationIdParam,
  ErrorSchema,
  errorResponses,
  jsonContent,
  jsonText,
  Limit,
  MessageIdParam,
} from '../schemas.js';

const Seq = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a stream sequence (a whole number)')
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n >= 1, 'must be a stream sequence ≥ 1');

const PartitionParam = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a partition number (a whole number ≥ 0)')
  .transform(Number)
  .optional()
  .describe(
    'with PARTITIONS > 1: the partition whose stream to read (an account_id or conversation_id implies it); sequences are of that stream',
  );

const EventTypeParam = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

const HistoryParams = z
  .object({
    from_seq: Seq.optional().describe('first stream sequence (default 1)'),
    to_seq: Seq.optional().describe('last stream sequence, inclusive (default: the end of the stream)'),
    account_id: AccountIdParam.optional(),
    type: z
      .union([EventTypeParam, z.array(EventTypeParam)])
      .transform((t) => (Array.isArray(t) ? t : [t]))
      .optional()
      .describe('event type; repeat for several'),
    conversation_id: ConversationIdParam.optional().describe('events naming this conversation'),
    partition: PartitionParam,
    limit: Limit(100, 1000).describe('most events in a JSON page (NDJSON streams the whole range)'),
  })
  .superRefine((q, ctx) => {
    if (q.to_seq !== undefined && q.from_seq !== undefined && q.to_seq < q.from_seq)
      ctx.addIssue({ code: 'custom', path: ['to_seq'], message: 'must not be less than from_seq' });
  });

const StoredEventSchema = z
  .object({
    seq: z.number().int(),
    subject: z.string(),
    stored_at: z.number().int().describe('when the log stored it (epoch ms)'),
    stored_ns: z.string().describe('the same, in nanoseconds, as the chain hashes it'),
    event: z
      .unknown()
      .optional()
      .describe('the body exactly as stored, when it is UTF-8 JSON on one line (not upcast, not validated)'),
    data: z.string().optional().describe('any other UTF-8 body, as text'),
    data_base64: z.string().optional().describe('a body that is not UTF-8'),
  })
  .openapi('StoredEvent');

const historyRoute = createRoute({
  method: 'get',
  path: '/api/v1/audit/events',
  tags: ['audit'],
  summary: 'The raw history: stored events exactly as stored, in sequence order',
  description:
    'JSON pages (`limit`, continue from `next_from_seq` while `has_more`), or with `Accept: application/x-ndjson` the whole range streamed as an export carrying the hash chain (see the README).',
  request: { query: HistoryParams },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z.object({
            events: z.array(StoredEventSchema),
            has_more: z.boolean(),
            next_from_seq: z.number().int(),
            to_seq: z.number().int(),
          }),
        },
        'application/x-ndjson': { schema: z.string() },
      },
      description: 'A page, or the export stream',
    },
    ...errorResponses,
  },
});

const TimelineSchema = z
  .object({
    message: z.object({
      id: z.string(),
      account_id: z.string(),
      platform_message_id: z.string(),
      conversation_id: z.string().nullable(),
      platform_conversation_id: z.string(),
      captured: z.boolean(),
      recalled: z.boolean(),
      read: z.object({ at: z.number().int(), seq: z.number().int().nullable() }).nullable(),
    }),
    events: z.array(
      StoredEventSchema.extend({
        kind: z.string().describe('captured, edited, read or recalled'),
        at: z.number().int().nullable().describe("the event's own time"),
        by: z.string().nullable().describe('the sender, editor, reader (actor) or recaller'),
      }),
    ),
  })
  .openapi('MessageTimeline');

const timelineRoute = createRoute({
  method: 'get',
  path: '/api/v1/audit/messages/{id}/timeline',
  tags: ['audit'],
  summary: 'Every event that changed one message, in log order, as stored',
  request: { params: z.object({ id: MessageIdParam }) },
  responses: { 200: jsonContent(TimelineSchema, 'The events, oldest first'), ...errorResponses },
});

const Point = z.object({ seq: z.number().int(), hash: z.string() });

const chainRoute = createRoute({
  method: 'get',
  path: '/api/v1/audit/chain',
  tags: ['audit'],
  summary: 'The audit hash chain: the hash at one sequence, or the stored checkpoints',
  request: {
    query: z.object({
      seq: Seq.optional().describe('the sequence whose hash to give'),
      partition: PartitionParam,
      after_seq: z
        .string()
        .regex(/^\d{1,16}$/, 'must be a stream sequence (a whole number)')
        .transform(Number)
        .default(0)
        .describe('without seq: checkpoints after this sequence'),
      limit: Limit(100, 1000),
    }),
  },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z.union([
            z.object({
              seq: z.number().int(),
              hash: z.string(),
              prev_hash: z.string(),
              subject: z.string(),
              stored_at: z.number().int(),
              checkpoint: Point.extend({ log_matches: z.boolean() }).nullable(),
              head: Point,
              checkpoint_every: z.number().int(),
            }),
            z.object({
              head: Point,
              checkpoint_every: z.number().int(),
              checkpoints: z.array(Point),
              has_more: z.boolean(),
            }),
          ]),
        },
      },
      description: 'The hash at `seq`, or a page of checkpoints',
    },
    ...errorResponses,
    409: jsonContent(ErrorSchema, 'The chain has not reached that sequence yet'),
  },
});

const NDJSON = 'application/x-ndjson';

/** The raw history, message timelines and the hash chain, for auditors. */
export function registerAuditRoutes(app: ApiApp, logs: AuditLogs) {
  /** The partition's audit log: named, or implied by the account; the only one when there is one. */
  function pick(partition: number | undefined, accountId: string | undefined): AuditLog {
    const byAccount = accountId === undefined ? undefined : logs.of(accountId);
    if (partition !== undefined) {
      if (partition >= logs.count)
        throw badRequest('partition', `must be less than ${logs.count}, the number of partitions`);
      if (byAccount && byAccount !== logs.at(partition))
        throw badRequest('partition', `account ${accountId} is not in partition ${partition}`);
      return logs.at(partition);
    }
    if (byAccount) return byAccount;
    if (logs.count > 1)
      throw badRequest('partition', `the log has ${logs.count} partitions: name one, or an account_id`);
    return logs.at(0);
  }

  app.openapi(historyRoute, async (c) => {
    const q = c.req.valid('query');
    if (q.account_id === undefined && q.conversation_id === undefined && scopeOf(c) !== null) {
      throw forbidden(
        `the key is limited to the accounts ${formatScope(scopeOf(c))}: give account_id (or conversation_id) to read their history`,
      );
    }
    const query: HistoryQuery = {
      fromSeq: q.from_seq ?? 1,
      toSeq: q.to_seq,
      accountId: q.account_id,
      types: q.type,
    };
    if (q.conversation_id !== undefined) {
      const conversation = await logs.at(0).findConversation(q.conversation_id);
      if (!conversation) throw notFound('conversation', q.conversation_id);
      requireAccount(c, conversation.accountId);
      query.conversation = conversation;
    }
    const audit = pick(q.partition, query.conversation?.accountId ?? q.account_id);
    if (!(c.req.header('accept') ?? '').includes(NDJSON))
      return jsonText(c, await audit.page(query, q.limit));

    const exported = await audit.openExport(query);
    c.header('content-type', `${NDJSON}; charset=utf-8`);
    return stream(
      c,
      async (s) => {
        // Lines go out in chunks; each write waits while the client is behind, so memory stays
        // bounded by the chunk and the reader's window, however long the range.
        for await (const chunk of exported.chunks()) {
          if (s.aborted) return;
          await s.write(chunk);
        }
      },
      async (err, s) => {
        // the status is sent already: the export ends with an error record and no end record
        await s.write(`${errorLine(err.message)}\n`);
      },
    ) as never;
  });

  app.openapi(timelineRoute, async (c) => {
    const { id } = c.req.valid('param');
    const accountId = logs.count > 1 ? await logs.accountOfMessage(id) : null;
    const timeline = await (accountId === null ? logs.at(0) : logs.of(accountId)).timeline(id);
    if (timeline === null) throw notFound('message', id);
    if (scopeOf(c) !== null)
      requireAccount(c, (JSON.parse(timeline) as { message: { account_id: string } }).message.account_id);
    return jsonText(c, timeline);
  });

  app.openapi(chainRoute, async (c) => {
    const q = c.req.valid('query');
    const audit = pick(q.partition, undefined);
    if (q.seq === undefined) {
      const [head, page] = await Promise.all([audit.head(), audit.checkpoints(q.after_seq, q.limit)]);
      return c.json({ head, checkpoint_every: audit.checkpointEvery, ...page }, 200);
    }
    const at = await audit.chainAt(q.seq);
    if (at.kind === 'beyond_head') {
      throw new ApiError(
        409,
        'not_chained_yet',
        `the chain has reached sequence ${at.head.seq}, not ${q.seq} yet; retry shortly`,
        [{ field: 'seq', message: `must be at most ${at.head.seq}` }],
      );
    }
    if (at.kind === 'missing') throw notFound('sequence', String(q.seq));
    const { kind: _, ...body } = at;
    return c.json(body, 200);
  });
}
