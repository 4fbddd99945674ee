import { nsToMs } from '../log/chain.js';
import { isOneLineJson } from './json-text.js';

/**
 * The audit history's JSON forms. A stored message is written with its body *exactly as
 * stored*: when the body is UTF-8 JSON on one line (everything the publisher writes) it is
 * embedded verbatim as the last member, `"event":<body>`, so a reader sees the event as an
 * object and the bytes between `,"event":` and the line's final `}` are the stored bytes, byte
 * for byte. Any other body is a string, `"data":"…"` (UTF-8 text) or `"data_base64":"…"`.
 *
 * An export (NDJSON) is one JSON object a line, each with `kind`:
 *
 *     {"kind":"header","format":"im-hub-audit-export","version":1,"stream":…,"from_seq":…,
 *      "to_seq":…,"filter":{…}|null,"contiguous":true,"start":{"seq":…,"hash":…},…}
 *     {"kind":"event","seq":…,"subject":…,"stored_at":…,"stored_ns":"…","prev_hash":…,"hash":…,"event":{…}}
 *     {"kind":"checkpoint","seq":…,"hash":…}      (the service's stored checkpoint, after its event)
 *     {"kind":"end","last_seq":…,"hash":…,"events":…}
 *     {"kind":"error","message":…}                 (only when the service failed mid-export)
 */
export const EXPORT_FORMAT = 'im-hub-audit-export';
export const EXPORT_VERSION = 1;

/** How each event line's hash is computed (written into the header for the reader). */
export const CHAIN_DEFINITION =
  'hash = SHA-256(prev_hash as 32 bytes || "<seq> <stored_ns> <subject> <body length>\\n" || body as stored)';

/** The marker before an embedded body; it cannot occur earlier in a line (quotes inside strings are escaped). */
export const EVENT_MARKER = ',"event":';

/** One stored message: sequence, subject, when the log stored it (ns) and the body's bytes. */
export interface StoredMessage {
  seq: number;
  subject: string;
  storedNs: bigint;
  data: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body member: embedded verbatim when possible, else as text or base64. */
export function bodyMember(data: Uint8Array): string {
  if (isOneLineJson(data)) return `"event":${utf8.decode(data)}`;
  return otherBody(data);
}

/** A body that is not one line of JSON: as a string, or base64 when it is not UTF-8 either. */
function otherBody(data: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return `"data_base64":${JSON.stringify(Buffer.from(data).toString('base64'))}`;
  }
  return `"data":${JSON.stringify(text)}`;
}

function storedMembers(m: StoredMessage): string {
  return `"subject":${JSON.stringify(m.subject)},"stored_at":${nsToMs(m.storedNs)},"stored_ns":"${m.storedNs}"`;
}

/** A stored message as the history API shows it: `{ seq, subject, stored_at, stored_ns, event | data | data_base64 }`. */
export function historyItemJson(m: StoredMessage, extra = ''): string {
  return `{"seq":${m.seq},${extra}${storedMembers(m)},${bodyMember(m.data)}}`;
}

/**
 * An export's output as bytes, a chunk at a time: lines are written into a buffer (a stored
 * body copied as it is, never decoded) and taken whole when the chunk is full.
 */
export function createChunkWriter(chunkBytes = 64 * 1024) {
  let buf = Buffer.allocUnsafe(chunkBytes * 2);
  let size = 0;
  const reserve = (n: number) => {
    if (size + n <= buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, size + n));
    buf.copy(bigger, 0, 0, size);
    buf = bigger;
  };
  const text = (s: string) => {
    reserve(s.length * 3); // UTF-8 takes at most 3 bytes for each UTF-16 unit
    size += buf.write(s, size, 'utf8');
  };
  return {
    /** One line of text (a line feed is added). */
    line(s: string): void {
      text(s);
      buf[size++] = 0x0a;
    },
    /** An export's event line, the body embedded as stored when it is one line of JSON. */
    eventLine(m: StoredMessage, prevHash: string, hash: string): void {
      text(`{"kind":"event","seq":${m.seq},${storedMembers(m)},"prev_hash":"${prevHash}","hash":"${hash}",`);
      if (isOneLineJson(m.data)) {
        text('"event":');
        reserve(m.data.length + 2);
        buf.set(m.data, size);
        size += m.data.length;
      } else text(otherBody(m.data));
      text('}\n');
    },
    /** Whether a chunk's worth is written. */
    get full(): boolean {
      return size >= chunkBytes;
    },
    /** The bytes written since the last call (empty when none); the next ones go to a new buffer. */
    take(): Uint8Array {
      const out = buf.subarray(0, size);
      buf = Buffer.allocUnsafe(chunkBytes * 2);
      size = 0;
      return out;
    },
  };
}
export type ChunkWriter = ReturnType<typeof createChunkWriter>;

export interface ExportFilter {
  account_id: string | null;
  types: string[];
  conversation_id: string | null;
}

export interface ExportHeader {
  kind: 'header';
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  stream: string;
  from_seq: number;
  to_seq: number;
  /** Null for a whole range: then every stored sequence is in the file and the chain is contiguous. */
  filter: ExportFilter | null;
  contiguous: boolean;
  /** The chain's hash just before `from_seq` (the genesis, 64 zeros, before sequence 1). */
  start: { seq: number; hash: string };
  checkpoint_every: number;
  chain: string;
  exported_at: number;
}

export function headerLine(h: Omit<ExportHeader, 'kind' | 'format' | 'version' | 'chain'>): string {
  const header: ExportHeader = {
    kind: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    ...h,
    chain: CHAIN_DEFINITION,
  };
  return JSON.stringify(header);
}

export const checkpointLine = (seq: number, hash: string) =>
  JSON.stringify({ kind: 'checkpoint', seq, hash });

export const endLine = (lastSeq: number, hash: string, events: number) =>
  JSON.stringify({ kind: 'end', last_seq: lastSeq, hash, events });

export const errorLine = (message: string) => JSON.stringify({ kind: 'error', message });
