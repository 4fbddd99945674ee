import { nsToMs } from '../log/chain.js';

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
const CR = 0x0d;
const LF = 0x0a;

/** The body member: embedded verbatim when possible, else as text or base64. */
export function bodyMember(data: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return `"data_base64":${JSON.stringify(Buffer.from(data).toString('base64'))}`;
  }
  if (!data.includes(LF) && !data.includes(CR)) {
    try {
      JSON.parse(text);
      return `"event":${text}`;
    } catch {
      // not JSON: a string below
    }
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

/** An export's event line (without its line feed). */
export function eventLine(m: StoredMessage, prevHash: string, hash: string): string {
  return `{"kind":"event","seq":${m.seq},${storedMembers(m)},"prev_hash":"${prevHash}","hash":"${hash}",${bodyMember(m.data)}}`;
}

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
