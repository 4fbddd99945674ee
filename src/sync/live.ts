import type { Logger } from '../logger.js';
import type { CheckpointWatch } from './checkpoint-watch.js';
import type { ReadChange, SyncChanges, SyncConversation, SyncItem, SyncMessage } from './sync.queries.js';

/**
 * The live stream: Server-Sent Events of one account's changes, one event per stream
 * sequence, `id:` = that sequence. A connection first replays from its cursor on its own, then
 * joins its account's group, which reads each new range of changes once and hands the same
 * frames to every member. Joining happens under the group's lock, after a catch-up to the
 * group's position, so the seam has no gap and no duplicate.
 *
 * Each connection has a bounded buffer. A client that stops reading fills it and is
 * disconnected (it resumes from its `Last-Event-ID`); nobody waits for it.
 */

export type LiveEventName =
  | 'message.created'
  | 'message.edited'
  | 'message.recalled'
  | 'read'
  | 'conversation.updated';

export interface LiveEvent {
  seq: number;
  event: LiveEventName;
  data: {
    seq: number;
    message?: SyncMessage;
    deleted_message_id?: string;
    read?: ReadChange;
    conversation?: SyncConversation;
  };
}

/** Groups a page's items by sequence into one event each. */
export function liveEvents(changes: SyncChanges): LiveEvent[] {
  const out: LiveEvent[] = [];
  let i = 0;
  const items = changes.items;
  while (i < items.length) {
    const seq = items[i]!.seq;
    const group: SyncItem[] = [];
    while (i < items.length && items[i]!.seq === seq) group.push(items[i++]!);
    const data: LiveEvent['data'] = { seq };
    let event: LiveEventName = 'conversation.updated';
    for (const item of group) {
      if (item.kind === 'message') {
        data.message = item.message;
        event = item.created ? 'message.created' : 'message.edited';
      } else if (item.kind === 'deleted') {
        data.deleted_message_id = item.id;
        event = 'message.recalled';
      } else if (item.kind === 'read') {
        data.read = item.read;
        if (event === 'conversation.updated') event = 'read';
      } else {
        data.conversation = item.conversation;
      }
    }
    out.push({ seq, event, data });
  }
  return out;
}

export const sseFrame = (e: LiveEvent) =>
  `id: ${e.seq}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;

/** Where a connection's bytes go (an HTTP response). */
export interface LiveSink {
  /** Hands bytes to the response; never waits. */
  write(chunk: Buffer): void;
  /** Bytes handed over that the client has not taken yet. */
  backlog(): number;
  /** Resolves when the client has taken what was handed over (or the response closed). */
  drained(): Promise<void>;
  /** Ends the response; `abort` when the client must be cut off (it stopped reading). */
  close(abort: boolean): void;
}

export interface LiveOptions {
  /** Interval of the heartbeat comment. */
  heartbeatMs: number;
  /** Unwritten bytes above which a connection is disconnected at its next delivery. */
  maxBufferBytes: number;
  /** Sequences per read while replaying or following. */
  pageLimit: number;
  /** Commits within this many milliseconds of the last delivery wait and go out together. */
  coalesceMs: number;
}

export interface LiveStats {
  connections: number;
  accounts: number;
  connected_total: number;
  closed_total: number;
  /** Disconnected because they stopped reading (their buffer filled). */
  dropped_slow_total: number;
  events_sent_total: number;
}

/** An account's changes after `cursor`, up to `checkpoint` (one the projector reached). */
export type ReadChanges = (
  accountId: string,
  cursor: number,
  limit: number,
  checkpoint: number,
) => Promise<SyncChanges>;

const HEARTBEAT = Buffer.from(': heartbeat\n\n');
const RETRY = Buffer.from('retry: 1000\n\n');
/** Connections written between two turns of the event loop. */
const DELIVERY_SLICE = 25;
/** Up to this many live groups, each is read on every commit without asking first which changed. */
const FEW_GROUPS = 4;

class Connection {
  cursor: number;
  closed = false;

  constructor(
    readonly accountId: string,
    cursor: number,
    private readonly sink: LiveSink,
    private readonly hub: { maxBufferBytes: number; onClose(c: Connection, slow: boolean): void },
  ) {
    this.cursor = cursor;
  }

  /**
   * Hands bytes to the response. A connection whose backlog is already over the bound has
   * stopped keeping up and is cut off; one that keeps up always takes the next delivery,
   * however big.
   */
  send(chunk: Buffer): void {
    if (this.closed) return;
    if (this.sink.backlog() > this.hub.maxBufferBytes) {
      this.close(true);
      return;
    }
    try {
      this.sink.write(chunk);
    } catch {
      this.close(false);
    }
  }

  drained(): Promise<void> {
    return this.closed ? Promise.resolve() : this.sink.drained();
  }

  close(slow: boolean) {
    if (this.closed) return;
    this.closed = true;
    this.sink.close(slow);
    this.hub.onClose(this, slow);
  }
}

interface Group {
  accountId: string;
  /** Every change up to here was handed to every member. */
  cursor: number;
  members: Set<Connection>;
  joining: number;
  /** Runs the group's reads and joins one at a time. */
  lock: Promise<void>;
}

export interface LiveHub {
  /**
   * Streams the account's changes after `cursor` to `sink` until `close()`; resolves once the
   * connection has joined the live group (its replay is written).
   */
  connect(accountId: string, cursor: number, sink: LiveSink): Promise<{ close(): void }>;
  stats(): LiveStats;
  close(): Promise<void>;
}

export function createLiveHub(
  deps: {
    read: ReadChanges;
    /** The sequence of the last event of each account (accounts with none are left out). */
    lastSeqOf: (accountIds: string[]) => Promise<Map<string, number>>;
    watch: CheckpointWatch;
    log: Logger;
  },
  options: LiveOptions,
): LiveHub {
  const { read, lastSeqOf, watch, log } = deps;
  const groups = new Map<string, Group>();
  const stats: LiveStats = {
    connections: 0,
    accounts: 0,
    connected_total: 0,
    closed_total: 0,
    dropped_slow_total: 0,
    events_sent_total: 0,
  };
  const all = new Set<Connection>();
  const hub = {
    maxBufferBytes: options.maxBufferBytes,
    onClose(c: Connection, slow: boolean) {
      all.delete(c);
      stats.closed_total++;
      if (slow) stats.dropped_slow_total++;
      const g = groups.get(c.accountId);
      if (g) {
        g.members.delete(c);
        forgetIfEmpty(g);
      }
    },
  };

  function forgetIfEmpty(g: Group) {
    if (g.members.size === 0 && g.joining === 0 && groups.get(g.accountId) === g) groups.delete(g.accountId);
  }

  function locked<T>(g: Group, f: () => Promise<T>): Promise<T> {
    const run = g.lock.then(f);
    g.lock = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /**
   * Hands a range of changes to connections. The frames are encoded once; a connection that
   * is ahead of the range's start (it joined with a newer cursor) gets its own tail of them.
   * Between slices of connections the event loop gets a turn, so a large group never holds up
   * the projector's round trips (or anything else in the process) for the whole delivery.
   */
  async function deliver(to: Iterable<Connection>, changes: SyncChanges) {
    const events = liveEvents(changes);
    const frames = events.map(sseFrame);
    let all: Buffer | null = null;
    let n = 0;
    for (const c of [...to]) {
      if (c.closed || c.cursor >= changes.nextCursor) continue;
      const from = c.cursor < (events[0]?.seq ?? 0) ? 0 : events.findIndex((e) => e.seq > c.cursor);
      c.cursor = changes.nextCursor;
      if (from < 0) continue;
      let chunk: Buffer;
      if (from === 0) {
        all ??= Buffer.from(frames.join(''));
        chunk = all;
      } else chunk = Buffer.from(frames.slice(from).join(''));
      stats.events_sent_total += events.length - from;
      c.send(chunk);
      if (++n % DELIVERY_SLICE === 0) await new Promise(setImmediate);
    }
  }

  /** Reads the group's new changes once and hands them to every member. */
  async function follow(g: Group) {
    for (;;) {
      if (g.members.size === 0) return;
      const changes = await read(g.accountId, g.cursor, options.pageLimit, watch.current());
      await deliver(g.members, changes);
      g.cursor = changes.nextCursor;
      if (!changes.hasMore) return;
    }
  }

  let ticking = false;
  let again = false;
  let lastTick = 0;
  async function tick() {
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    try {
      do {
        // Commits closer together than this are delivered together: with many connections,
        // fewer and larger writes cost far less than one write per commit per connection.
        const wait = lastTick + options.coalesceMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        lastTick = performance.now();
        again = false;
        const live = [...groups.values()].filter((g) => g.members.size > 0);
        if (live.length === 0) continue;
        // Many groups: first ask which accounts have new events, one query for all. A few: read
        // each at once, one round trip less before the first byte goes out.
        let changed = live;
        if (live.length > FEW_GROUPS) {
          const lastSeq = await lastSeqOf(live.map((g) => g.accountId));
          changed = live.filter((g) => (lastSeq.get(g.accountId) ?? 0) > g.cursor);
        }
        await Promise.all(
          changed.map((g) =>
            locked(g, () => follow(g)).catch((err) => {
              log.error(
                { err, account: g.accountId },
                'live stream read failed; retrying on the next commit',
              );
            }),
          ),
        );
      } while (again);
    } catch (err) {
      log.error({ err }, 'live stream tick failed; retrying on the next commit');
    } finally {
      ticking = false;
    }
  }
  const stopWatching = watch.onAdvance(() => void tick());

  const heartbeat = setInterval(() => {
    for (const c of all) c.send(HEARTBEAT);
  }, options.heartbeatMs);
  heartbeat.unref();

  return {
    async connect(accountId, cursor, sink) {
      const c = new Connection(accountId, cursor, sink, hub);
      all.add(c);
      stats.connected_total++;
      c.send(RETRY);
      // 1. Replay on its own, page by page, waiting for the client to take each page.
      for (;;) {
        const changes = await read(accountId, c.cursor, options.pageLimit, watch.current());
        await deliver([c], changes);
        c.cursor = Math.max(c.cursor, changes.nextCursor);
        await c.drained();
        if (c.closed || !changes.hasMore) break;
      }
      // 2. Join the group: catch up to its position under its lock, so no commit falls between.
      let g = groups.get(accountId);
      if (!g) {
        g = { accountId, cursor: c.cursor, members: new Set(), joining: 0, lock: Promise.resolve() };
        groups.set(accountId, g);
      }
      const group = g;
      group.joining++;
      try {
        await locked(group, async () => {
          while (!c.closed && c.cursor < group.cursor) {
            const changes = await read(accountId, c.cursor, options.pageLimit, watch.current());
            await deliver([c], changes);
            if (changes.nextCursor <= c.cursor) break;
          }
          if (!c.closed) group.members.add(c);
        });
      } finally {
        group.joining--;
        forgetIfEmpty(group);
      }
      // Anything committed while joining: the next tick (or this one) reads it.
      void tick();
      return { close: () => c.close(false) };
    },
    stats: () => ({ ...stats, connections: all.size, accounts: groups.size }),
    async close() {
      stopWatching();
      clearInterval(heartbeat);
      for (const c of [...all]) c.close(false);
    },
  };
}
