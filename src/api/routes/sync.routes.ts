import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { createRoute, z } from '@hono/zod-openapi';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { PlatformId } from '../../events/index.js';
import type { Sync } from '../../sync/index.js';
import type { LiveSink } from '../../sync/live.js';
import { syncPageJson } from '../../sync/sync.queries.js';
import { ACCESS_TOKEN_PARAM, requireAccount } from '../auth.js';
import type { ApiApp } from '../env.js';
import { ApiError, badRequest } from '../errors.js';
import {
  AccountIdParam,
  ConversationSchema,
  ErrorSchema,
  errorResponses,
  jsonContent,
  Limit,
  MessageSchema,
} from '../schemas.js';

const MAX_TIME = 8_640_000_000_000_000;
/** A stream sequence as a query string. */
const Cursor = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a stream sequence (a whole number ≥ 0) from next_cursor')
  .transform(Number)
  .refine(Number.isSafeInteger, 'is too large');
const DeviceId = PlatformId.max(128).describe('a stable id the client picks for itself');

const SyncQuery = z.object({
  account_id: AccountIdParam,
  cursor: Cursor.optional().describe('the next_cursor of the previous page; 0 or absent: from the beginning'),
  last_sync_timestamp: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_TIME)
    .optional()
    .describe(
      'instead of cursor (older clients): from the first event stored at or after this time (epoch ms)',
    ),
  limit: Limit(500, 5000).describe('most stream sequences in the page'),
  device_id: DeviceId.optional().describe('without a cursor, resume from this device’s acknowledged cursor'),
});

const ReadChangeSchema = z
  .object({
    seq: z.number().int(),
    conversation_id: z.string(),
    message_ids: z.array(z.string()),
    read_at: z.number().int(),
  })
  .openapi('ReadChange');

const SyncMessageSchema = MessageSchema.extend({ read_at: z.number().int().nullable() }).openapi(
  'SyncMessage',
);

const SyncPage = z
  .object({
    messages: z
      .array(SyncMessageSchema)
      .describe('created or changed after the cursor, in their current state'),
    deleted_message_ids: z.array(z.string()).describe('recalled after the cursor'),
    read_changes: z.array(ReadChangeSchema),
    conversations: z.array(ConversationSchema).describe('changed after the cursor, in their current state'),
    next_cursor: z.number().int().describe('send it as cursor next time; it never passes the projector'),
    has_more: z.boolean().describe('call again at once'),
    next_sync_timestamp: z.number().int().optional().describe('only when asked by last_sync_timestamp'),
  })
  .openapi('SyncPage');

const DeviceSchema = z
  .object({
    device_id: z.string(),
    account_id: z.string(),
    cursor: z.number().int(),
    acked_at: z.number().int().nullable(),
    last_seen_at: z.number().int(),
  })
  .openapi('DeviceCursor');

const AckBody = z.object({
  device_id: DeviceId,
  account_id: AccountIdParam,
  cursor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

const LAG_CAP = 10_000;

const syncRoute = createRoute({
  method: 'get',
  path: '/api/v1/messages/sync',
  tags: ['sync'],
  summary: 'The account’s changes after a cursor (a stream sequence), in order, a page at a time',
  request: { query: SyncQuery },
  responses: { 200: jsonContent(SyncPage, 'A page of changes'), 400: errorResponses[400] },
});

const ackRoute = createRoute({
  method: 'post',
  path: '/api/v1/messages/sync/ack',
  tags: ['sync'],
  summary: 'Store how far a device has applied the changes (never moves back)',
  request: { body: { required: true, content: { 'application/json': { schema: AckBody } } } },
  responses: {
    200: jsonContent(DeviceSchema, 'The stored position (the larger of this and the stored one)'),
    400: errorResponses[400],
    409: jsonContent(ErrorSchema, 'The cursor is past the projector'),
  },
});

const devicesRoute = createRoute({
  method: 'get',
  path: '/api/v1/devices',
  tags: ['sync'],
  summary: 'The account’s devices, with their cursor, lag and when they were last seen',
  request: { query: z.object({ account_id: AccountIdParam }) },
  responses: {
    200: jsonContent(
      z.object({
        devices: z.array(
          DeviceSchema.extend({
            lag_events: z
              .number()
              .int()
              .describe(`live-stream events still to fetch (counted up to ${LAG_CAP})`),
          }),
        ),
      }),
      'Devices, most recently seen first',
    ),
    400: errorResponses[400],
  },
});

const streamRoute = createRoute({
  method: 'get',
  path: '/api/v1/stream',
  tags: ['sync'],
  summary: 'Server-Sent Events of the account’s changes: a replay from the cursor, then live',
  description:
    'Each event has `id:` = its stream sequence and is one of `message.created`, `message.edited`, `message.recalled`, `read`, `conversation.updated`; the data is the JSON of the sync page (`message`, `deleted_message_id`, `read`, `conversation`). `Last-Event-ID` (sent by EventSource when it reconnects) wins over `cursor`.',
  request: {
    query: z.object({
      account_id: AccountIdParam,
      cursor: Cursor.optional(),
      [ACCESS_TOKEN_PARAM]: z
        .string()
        .optional()
        .describe(
          'the API key, for clients that cannot send the Authorization header (EventSource); this route only, never logged',
        ),
    }),
    headers: z.object({ 'last-event-id': Cursor.optional() }),
  },
  responses: {
    200: { content: { 'text/event-stream': { schema: z.string() } }, description: 'The event stream' },
    400: errorResponses[400],
  },
});

const LiveStatsSchema = z
  .object({
    connections: z.number().int().describe('open live-stream connections'),
    accounts: z.number().int().describe('accounts with at least one'),
    connected_total: z.number().int(),
    closed_total: z.number().int().describe('connections ended, for any reason'),
    dropped_slow_total: z.number().int().describe('cut off because they stopped reading'),
    events_sent_total: z.number().int(),
  })
  .openapi('LiveStats');

const liveStatsRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/live-stats',
  tags: ['admin'],
  summary: 'Live-stream connections of this process, and how many ended or were cut off',
  responses: { 200: jsonContent(LiveStatsSchema, 'Counters since the process started') },
});

export function registerSyncRoutes(app: ApiApp, sync: Sync) {
  app.openapi(liveStatsRoute, (c) => c.json(sync.live.stats(), 200));

  app.openapi(syncRoute, async (c) => {
    const q = c.req.valid('query');
    if (q.cursor !== undefined && q.last_sync_timestamp !== undefined)
      throw badRequest('cursor', 'give cursor or last_sync_timestamp, not both');
    let cursor = q.cursor;
    if (cursor === undefined && q.last_sync_timestamp !== undefined)
      cursor = await sync.cursorAt(q.account_id, q.last_sync_timestamp);
    if (q.device_id !== undefined) {
      const device = await sync.devices.touch(q.account_id, q.device_id, Date.now());
      cursor ??= device.cursor;
    }
    const changes = await sync.read(q.account_id, cursor ?? 0, q.limit);
    const page = syncPageJson(changes);
    if (q.last_sync_timestamp === undefined) return c.json(page, 200);
    const stored = await sync.storedAt(q.account_id, page.next_cursor);
    return c.json({ ...page, next_sync_timestamp: stored ?? q.last_sync_timestamp }, 200);
  });

  app.openapi(ackRoute, async (c) => {
    const b = c.req.valid('json');
    requireAccount(c, b.account_id);
    const checkpoint = await sync.checkpoint(b.account_id);
    if (b.cursor > checkpoint)
      throw new ApiError(
        409,
        'cursor_ahead',
        `cursor ${b.cursor} is past the projector (at ${checkpoint}): acknowledge only a next_cursor you received`,
        [{ field: 'cursor', message: `must be at most ${checkpoint}` }],
      );
    return c.json(await sync.devices.ack(b.account_id, b.device_id, b.cursor, Date.now()), 200);
  });

  app.openapi(devicesRoute, async (c) => {
    const { account_id } = c.req.valid('query');
    const devices = await sync.devices.list(account_id);
    const withLag = await Promise.all(
      devices.map(async (d) => ({
        ...d,
        lag_events: await sync.pending(account_id, d.cursor, LAG_CAP),
      })),
    );
    return c.json({ devices: withLag }, 200);
  });

  app.openapi(streamRoute, async (c) => {
    const q = c.req.valid('query');
    const h = c.req.valid('header');
    const cursor = h['last-event-id'] ?? q.cursor ?? 0;
    const res = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (res) {
      // On Node, write to the response directly: one shared Buffer per delivery goes to every
      // connection, and the socket's own buffer is the connection's bounded buffer.
      res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': c.var.requestId });
      res.flushHeaders();
      try {
        const sink = nodeSink(res);
        const connection = await sync.live.connect(q.account_id, cursor, sink);
        res.once('close', () => connection.close());
        if (res.destroyed) connection.close();
      } catch (err) {
        res.destroy(err as Error);
      }
      return RESPONSE_ALREADY_SENT as never;
    }
    return streamSSE(c, async (stream) => {
      let finish = () => {};
      const done = new Promise<void>((r) => {
        finish = r;
      });
      let connection: { close(): void } | undefined;
      stream.onAbort(() => {
        connection?.close();
        finish();
      });
      connection = await sync.live.connect(q.account_id, cursor, webStreamSink(stream, finish));
      if (stream.aborted) connection.close();
      await done;
    }) as never;
  });
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * HTTP/1.1 chunked framing of a delivery, made once per Buffer: the hub hands the same Buffer to
 * every connection of a group, so the framed bytes are shared too.
 */
const framed = new WeakMap<Buffer, Buffer>();
function chunkOf(payload: Buffer): Buffer {
  let chunk = framed.get(payload);
  if (!chunk) {
    chunk = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, CRLF]);
    framed.set(payload, chunk);
  }
  return chunk;
}
const CRLF = Buffer.from('\r\n');

/**
 * Writes a response's body straight to its socket, one framed chunk and one write each: the
 * response's own `write` corks the socket, frames the chunk in three pieces and uncorks on the
 * next tick, which with a thousand connections costs more than the bytes. Node still owns the
 * response: `end()` writes the last chunk, so the headers must be out first (`flushHeaders`).
 */
function nodeSink(res: ServerResponse): LiveSink {
  const socket = res.socket;
  if (!socket) throw new Error('the client disconnected before the stream started');
  // an HTTP/1.0 client gets no chunked encoding: the body is the bytes, ended by the close
  const frame = res.chunkedEncoding ? chunkOf : (payload: Buffer) => payload;
  return {
    write: (chunk) => {
      socket.write(frame(chunk));
    },
    backlog: () => socket.writableLength,
    drained: () =>
      !socket.writableNeedDrain || socket.destroyed
        ? Promise.resolve()
        : new Promise((resolve) => {
            const done = () => {
              socket.off('drain', done);
              socket.off('close', done);
              resolve();
            };
            socket.on('drain', done);
            socket.on('close', done);
          }),
    close: (abort) => (abort ? res.destroy() : res.end()),
  };
}

/** Anywhere else (e.g. `app.request` in tests): a queue in front of Hono's SSE stream. */
function webStreamSink(stream: SSEStreamingApi, finish: () => void): LiveSink {
  let queue: Buffer[] = [];
  let queued = 0;
  let writing: Promise<void> | null = null;
  const pump = async () => {
    while (queue.length > 0) {
      const chunk = Buffer.concat(queue);
      queue = [];
      await stream.write(chunk);
      queued -= chunk.length;
    }
    writing = null;
  };
  return {
    write(chunk) {
      queue.push(chunk);
      queued += chunk.length;
      writing ??= pump();
    },
    backlog: () => queued,
    drained: () => writing ?? Promise.resolve(),
    close() {
      void stream.close();
      finish();
    },
  };
}
