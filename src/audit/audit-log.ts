import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Sql } from '../db/client.js';
import { type Channel, decodeEvent, type HubEvent } from '../events/index.js';
import { chainHash, GENESIS_HASH, rfc3339ToNs } from '../log/chain.js';
import { getStored, type LogMsg, type LogReaderDeps, readRange } from '../log/range-reader.js';
import type { Subjects } from '../log/subjects.js';
import {
  checkpointLine,
  createChunkWriter,
  type ExportFilter,
  type ExportHeader,
  endLine,
  headerLine,
  historyItemJson,
  type StoredMessage,
} from './format.js';

export interface AuditDeps {
  sql: Sql;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjects: Subjects;
  /** The projector's chain checkpoint interval (reported with the chain). */
  checkpointEvery: number;
  /** For `exported_at` only. */
  clock?: () => number;
}

/** Which stored messages a history read or an export covers. */
export interface HistoryQuery {
  fromSeq: number;
  /** Inclusive; the stream's last sequence when absent (or when larger). */
  toSeq?: number;
  accountId?: string;
  /** Event types (the subject's type token); any when empty. */
  types?: readonly string[];
  /** A hub conversation id (`c_…`), resolved with `findConversation`. */
  conversation?: ConversationRef;
}

export interface ConversationRef {
  id: string;
  accountId: string;
  platformConversationId: string;
  channel: Channel;
}

export interface ChainPoint {
  seq: number;
  hash: string;
}

/** Sequences a JSON page reads at most, so that a rare filter cannot make one request unbounded. */
export const PAGE_SCAN_LIMIT = 20_000;

/** Messages an export's reader may hold ahead of the writer: bounds its memory, whatever the range. */
const EXPORT_WINDOW = 10_000;

const toStored = (m: LogMsg): StoredMessage => ({
  seq: m.seq,
  subject: m.subject,
  storedNs: m.timestampNanos,
  data: m.data,
});

/** Whether an event names the conversation: captures by platform id and channel, actions by hub id. */
function touchesConversation(e: HubEvent, c: ConversationRef): boolean {
  if (e.account_id !== c.accountId) return false;
  switch (e.type) {
    case 'MessageCaptured':
      return e.payload.conversation_id === c.platformConversationId && e.payload.channel === c.channel;
    case 'ReplyRequested':
      return e.payload.conversation_id === c.platformConversationId && e.payload.channel === c.channel;
    case 'MessageEdited':
    case 'MessageRecalled':
      // these carry the platform's conversation id without the channel
      return e.payload.conversation_id === c.platformConversationId;
    case 'ConversationPinned':
    case 'ConversationUnpinned':
    case 'ConversationArchived':
    case 'ConversationUnarchived':
    case 'ConversationMuted':
    case 'ConversationTagged':
    case 'ConversationUntagged':
    case 'MessagesMarkedRead':
      return e.payload.conversation_id === c.id;
    case 'UserBlocked':
    case 'UserUnblocked':
    case 'UserProfileObserved':
    case 'AccountRegistered':
    case 'AccountUpdated':
    case 'AccountRemoved':
    // a reply's outcome names the reply only: its request is the one in the conversation
    case 'ReplySucceeded':
    case 'ReplyFailed':
    case 'ReplyExpired':
    case 'ApiKeyCreated':
    case 'ApiKeyRevoked':
      return false;
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

/**
 * The raw history of the log for auditors: stored messages exactly as stored (JSON pages, a
 * streamed export carrying the hash chain), the events of one message, and the chain itself.
 * Reads the log with ordered consumers and direct gets, and the chain's checkpoints and a
 * message's sequences from Postgres.
 */
export function createAuditLog(deps: AuditDeps) {
  const { sql, jsm, stream, subjects } = deps;
  const reader: LogReaderDeps = deps;
  const clock = deps.clock ?? Date.now;

  async function lastSeq(): Promise<number> {
    return (await jsm.streams.info(stream)).state.last_seq;
  }

  /** The narrowest single subject that holds every match (NATS 2.9 filters on one subject). */
  function subjectOf(q: HistoryQuery): string {
    const account = q.conversation?.accountId ?? q.accountId;
    const type = q.types?.length === 1 ? q.types[0]! : undefined;
    if (account !== undefined && type !== undefined) return subjects.event(account, type);
    if (account !== undefined) return subjects.account(account);
    if (type !== undefined) return subjects.type(type);
    return subjects.all;
  }

  function matcher(q: HistoryQuery): (m: LogMsg) => boolean {
    const types = q.types && q.types.length > 0 ? new Set(q.types) : null;
    const { accountId, conversation } = q;
    if (accountId === undefined && !types && !conversation) return () => true;
    return (m) => {
      const where = subjects.parse(m.subject);
      if (accountId !== undefined && where?.accountId !== accountId) return false;
      if (types && (!where || !types.has(where.type))) return false;
      if (conversation) {
        const parsed = decodeEvent(m.data);
        return parsed.ok && touchesConversation(parsed.event, conversation);
      }
      return true;
    };
  }

  async function head(): Promise<ChainPoint> {
    const [row] = await sql<ChainPoint[]>`select seq, hash from audit_chain_heads where stream = ${stream}`;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** The stored checkpoint at or before `seq` (`strict`: before), or the genesis. */
  async function checkpointBefore(seq: number, strict: boolean): Promise<ChainPoint> {
    const [row] = strict
      ? await sql<ChainPoint[]>`
          select seq, hash from audit_chain_checkpoints where stream = ${stream} and seq < ${seq}
          order by seq desc limit 1`
      : await sql<ChainPoint[]>`
          select seq, hash from audit_chain_checkpoints where stream = ${stream} and seq <= ${seq}
          order by seq desc limit 1`;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** The chain's hash after every stored sequence up to `seq`: a checkpoint, then the log. */
  async function hashThrough(seq: number): Promise<string> {
    const base = await checkpointBefore(seq, false);
    let hash = base.hash;
    for await (const m of readRange(reader, { fromSeq: base.seq + 1, toSeq: seq, subject: subjects.all })) {
      hash = chainHash(hash, toStored(m));
    }
    return hash;
  }

  return {
    lastSeq,
    checkpointEvery: deps.checkpointEvery,

    /** A conversation by hub id, for the conversation filter; null when the read models do not know it. */
    async findConversation(id: string): Promise<ConversationRef | null> {
      const [row] = await sql<{ account_id: string; platform_conversation_id: string; channel: Channel }[]>`
        select account_id, platform_conversation_id, channel from conversations where id = ${id}`;
      return row
        ? {
            id,
            accountId: row.account_id,
            platformConversationId: row.platform_conversation_id,
            channel: row.channel,
          }
        : null;
    },

    /**
     * One JSON page of stored messages in sequence order: up to `limit` matches, reading at
     * most `PAGE_SCAN_LIMIT` sequences. Returns the response body as JSON text (bodies embedded
     * as stored).
     */
    async page(q: HistoryQuery, limit: number): Promise<string> {
      const last = await lastSeq();
      const toSeq = Math.min(q.toSeq ?? last, last);
      const matches = matcher(q);
      const items: string[] = [];
      let readTo = q.fromSeq - 1;
      let stoppedEarly = false;
      let scanned = 0;
      const window = q.conversation ? 1000 : Math.min(1000, limit + 10);
      for await (const m of readRange(reader, { fromSeq: q.fromSeq, toSeq, subject: subjectOf(q), window })) {
        readTo = m.seq;
        if (matches(m)) items.push(historyItemJson(toStored(m)));
        if (items.length >= limit || ++scanned >= PAGE_SCAN_LIMIT) {
          stoppedEarly = m.seq < toSeq;
          break;
        }
      }
      const next = stoppedEarly ? readTo + 1 : Math.max(q.fromSeq, toSeq + 1);
      return `{"events":[${items.join(',')}],"has_more":${stoppedEarly},"next_from_seq":${next},"to_seq":${toSeq}}`;
    },

    /**
     * An export of a range: a header, one line per matching stored message with its chain
     * hashes, the service's stored checkpoints after their events (whole ranges only), and an
     * end record. The chain is recomputed from the log as it is read, starting from the hash
     * just before `fromSeq` (a stored checkpoint, then the log), so a filtered export reads the
     * whole range. Opening it checks what can fail before anything is written.
     */
    async openExport(q: HistoryQuery) {
      const last = await lastSeq();
      const toSeq = Math.min(q.toSeq ?? last, last);
      const filtered =
        q.accountId !== undefined || (q.types?.length ?? 0) > 0 || q.conversation !== undefined;
      const filter: ExportFilter | null = filtered
        ? {
            account_id: q.accountId ?? null,
            types: [...(q.types ?? [])],
            conversation_id: q.conversation?.id ?? null,
          }
        : null;
      const start: ChainPoint = { seq: q.fromSeq - 1, hash: await hashThrough(q.fromSeq - 1) };
      const header: Omit<ExportHeader, 'kind' | 'format' | 'version' | 'chain'> = {
        stream,
        from_seq: q.fromSeq,
        to_seq: toSeq,
        filter,
        contiguous: !filtered,
        start,
        checkpoint_every: deps.checkpointEvery,
        exported_at: clock(),
      };
      const matches = matcher(q);
      const progress = {
        fromSeq: q.fromSeq,
        toSeq,
        /** Last sequence read. */
        seq: start.seq,
        events: 0,
        /** Sequences where the log no longer gives the service's stored checkpoint. */
        mismatches: [] as number[],
        head: start,
      };

      /** Stored checkpoints of the range, a page at a time. */
      async function* storedCheckpoints(): AsyncGenerator<ChainPoint> {
        let after = q.fromSeq - 1;
        for (;;) {
          const rows = await sql<ChainPoint[]>`
            select seq, hash from audit_chain_checkpoints
            where stream = ${stream} and seq > ${after} and seq <= ${toSeq} order by seq limit 1000`;
          yield* rows;
          if (rows.length < 1000) return;
          after = rows[rows.length - 1]!.seq;
        }
      }

      /** The export as bytes, in chunks of about 64 KB of whole lines. */
      async function* chunks(): AsyncGenerator<Uint8Array> {
        const out = createChunkWriter();
        out.line(headerLine(header));
        const checkpoints = filtered ? null : storedCheckpoints();
        let checkpoint = (await checkpoints?.next())?.value ?? null;
        let hash = start.hash;
        // a wider window than the pages': an export streams on, 10,000 messages (a few MB) ahead
        const window = EXPORT_WINDOW;
        for await (const m of readRange(reader, {
          fromSeq: q.fromSeq,
          toSeq,
          subject: subjects.all,
          window,
        })) {
          const stored = toStored(m);
          const prev = hash;
          hash = chainHash(prev, stored);
          progress.seq = m.seq;
          if (matches(m)) {
            progress.events++;
            out.eventLine(stored, prev, hash);
          }
          while (checkpoints && checkpoint && checkpoint.seq <= m.seq) {
            if (checkpoint.seq === m.seq) {
              if (checkpoint.hash !== hash) progress.mismatches.push(m.seq);
              out.line(checkpointLine(checkpoint.seq, checkpoint.hash));
            }
            checkpoint = (await checkpoints.next()).value ?? null;
          }
          if (out.full) yield out.take();
        }
        progress.head = { seq: progress.seq, hash };
        out.line(endLine(toSeq, hash, progress.events));
        yield out.take();
      }

      return { header, progress, chunks };
    },

    /**
     * Every event that changed one message, in log order: its capture, each edit, the read that
     * read it and the recall that stands, fetched by sequence as stored. Null for an unknown id.
     */
    async timeline(messageId: string): Promise<string | null> {
      const [row] = await sql<
        {
          account_id: string;
          platform_message_id: string;
          conversation_id: string | null;
          platform_conversation_id: string;
          capture_seq: number | null;
          recalled: boolean;
          recall_seq: number | null;
          read_at: number | null;
          read_seq: number | null;
        }[]
      >`
        select account_id, platform_message_id, conversation_id, platform_conversation_id, capture_seq,
               recalled, recall_seq, read_at, read_seq
        from messages where id = ${messageId}`;
      if (!row) return null;
      const edits = await sql<
        { seq: number }[]
      >`select seq from message_edits where message_id = ${messageId}`;
      const seqs = [
        ...new Set(
          [row.capture_seq, row.read_seq, row.recall_seq, ...edits.map((e) => e.seq)].filter(
            (s): s is number => s !== null,
          ),
        ),
      ].sort((a, b) => a - b);
      const items: string[] = [];
      for (let i = 0; i < seqs.length; i += 32) {
        const stored = await Promise.all(seqs.slice(i, i + 32).map((seq) => getStored(reader, seq)));
        for (const m of stored) {
          if (!m) continue;
          const parsed = decodeEvent(m.data);
          const what = parsed.ok ? describe(parsed.event) : { kind: 'unreadable', at: null, by: null };
          items.push(
            historyItemJson(
              { seq: m.seq, subject: m.subject, storedNs: rfc3339ToNs(m.timestamp), data: m.data },
              `"kind":${JSON.stringify(what.kind)},"at":${JSON.stringify(what.at)},"by":${JSON.stringify(what.by)},`,
            ),
          );
        }
      }
      const message = {
        id: messageId,
        account_id: row.account_id,
        platform_message_id: row.platform_message_id,
        conversation_id: row.conversation_id,
        platform_conversation_id: row.platform_conversation_id,
        captured: row.capture_seq !== null,
        recalled: row.recalled,
        read: row.read_at === null ? null : { at: row.read_at, seq: row.read_seq },
      };
      return `{"message":${JSON.stringify(message)},"events":[${items.join(',')}]}`;
    },

    head,

    /**
     * The chain at one sequence: its hash and the previous one, recomputed from the stored
     * checkpoint before it and the log, beside the stored checkpoint when `seq` is one.
     */
    async chainAt(seq: number) {
      const h = await head();
      if (seq > h.seq) return { kind: 'beyond_head' as const, head: h };
      const base = await checkpointBefore(seq, true);
      let prev = base.hash;
      let found: { hash: string; prevHash: string; storedAt: number; subject: string } | null = null;
      for await (const m of readRange(reader, { fromSeq: base.seq + 1, toSeq: seq, subject: subjects.all })) {
        const hash = chainHash(prev, toStored(m));
        if (m.seq === seq) {
          found = {
            hash,
            prevHash: prev,
            storedAt: Number(m.timestampNanos / 1_000_000n),
            subject: m.subject,
          };
        }
        prev = hash;
      }
      if (!found) return { kind: 'missing' as const, head: h };
      const [stored] = await sql<{ hash: string }[]>`
        select hash from audit_chain_checkpoints where stream = ${stream} and seq = ${seq}`;
      return {
        kind: 'ok' as const,
        seq,
        hash: found.hash,
        prev_hash: found.prevHash,
        subject: found.subject,
        stored_at: found.storedAt,
        checkpoint: stored ? { seq, hash: stored.hash, log_matches: stored.hash === found.hash } : null,
        head: h,
        checkpoint_every: deps.checkpointEvery,
      };
    },

    /** Stored checkpoints after a sequence, in order. */
    async checkpoints(afterSeq: number, limit: number) {
      const rows = await sql<ChainPoint[]>`
        select seq, hash from audit_chain_checkpoints where stream = ${stream} and seq > ${afterSeq}
        order by seq limit ${limit + 1}`;
      return { checkpoints: rows.slice(0, limit), has_more: rows.length > limit };
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;

/** What a timeline shows of each event: its kind, its own time and who did it. */
function describe(e: HubEvent): { kind: string; at: number | null; by: string | null } {
  switch (e.type) {
    case 'MessageCaptured':
      return { kind: 'captured', at: e.payload.created_at, by: e.payload.sender.platform_user_id };
    case 'MessageEdited':
      return { kind: 'edited', at: e.payload.edited_at, by: e.payload.edited_by };
    case 'MessageRecalled':
      return { kind: 'recalled', at: e.payload.recalled_at, by: e.payload.recalled_by };
    case 'MessagesMarkedRead':
      return { kind: 'read', at: e.payload.read_at, by: e.actor ?? null };
    default:
      return { kind: e.type, at: e.occurred_at, by: e.actor ?? null };
  }
}

/**
 * The audit logs of a partitioned log: each partition's stream has its own history, sequences
 * and hash chain. `of` is the one that holds an account's events.
 */
export interface AuditLogs {
  count: number;
  at(partition: number): AuditLog;
  of(accountId: string): AuditLog;
  /** The account of a message the read models know, to find its partition. */
  accountOfMessage(messageId: string): Promise<string | null>;
}

export function createPartitionedAudit(
  logs: readonly AuditLog[],
  partitions: { count: number; of(accountId: string): { index: number } },
  sql: Sql,
): AuditLogs {
  return {
    count: partitions.count,
    at: (partition) => logs[partition]!,
    of: (accountId) => logs[partitions.of(accountId).index]!,
    async accountOfMessage(messageId) {
      const [row] = await sql<
        { account_id: string }[]
      >`select account_id from messages where id = ${messageId}`;
      return row?.account_id ?? null;
    },
  };
}

/** An unpartitioned log's audit log, as `AuditLogs`. */
export function singleAudit(log: AuditLog): AuditLogs {
  return { count: 1, at: () => log, of: () => log, accountOfMessage: async () => null };
}
