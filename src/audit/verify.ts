import { chainHash, isChainHash, nsToMs } from '../log/chain.js';
import { EVENT_MARKER, EXPORT_FORMAT, EXPORT_VERSION, type ExportHeader } from './format.js';

/**
 * Checks an export offline: nothing but the file (no service, no NATS, no database). See
 * `src/audit/format.ts` for the lines and `src/log/chain.ts` for the hash.
 *
 * - Every event line's hash is recomputed from its `prev_hash`, sequence, stored time, subject
 *   and body bytes: a change to any of them, even one byte, names that sequence.
 * - In a whole-range export (`contiguous`) every line's `prev_hash` must be the hash of the line
 *   before (the header's `start` for the first), so an event removed, added or reordered is
 *   found; the service's checkpoint lines must equal the hash of their event, and the end record
 *   the last hash. In a filtered export only lines at consecutive sequences can be linked.
 * - Each line is checked against its own stated hashes, so one changed event is reported once,
 *   not again for every line after it.
 *
 * What a file alone cannot show is that the whole chain was not recomputed by whoever changed
 * it: compare the end hash (or any line's) with one from the service (`GET /api/v1/audit/chain`)
 * or from an earlier audit, e.g. with `expect`.
 */
export interface VerifyOptions {
  /** Hashes known from elsewhere, by sequence: each must match the export's. */
  expect?: ReadonlyMap<number, string>;
  /** Called with the bytes read so far, for a progress bar. */
  onBytes?: (bytes: number) => void;
}

export interface VerifyProblem {
  /** The sequence at fault (or where the problem shows), when it can be told. */
  seq: number | null;
  line: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  header: ExportHeader;
  events: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The chain's hash at the end of the export, as the file states it. */
  end: { seq: number; hash: string } | null;
  checkpointsChecked: number;
  expectationsChecked: number;
  /** The first problems found (at most `MAX_PROBLEMS`); `problemCount` counts them all. */
  problems: VerifyProblem[];
  problemCount: number;
}

/** The export's bytes, in chunks of any size (a file stream, a response body, strings). */
export type ExportInput = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** The input is not an export at all (no header): bad input rather than a failed check. */
export class NotAnExportError extends Error {
  readonly code = 'not_an_export';
}

const MAX_PROBLEMS = 100;
const MARKER = Buffer.from(EVENT_MARKER, 'utf8');
const CLOSE_BRACE = 0x7d;
const NS = /^\d{1,30}$/;
const EVENT_PREFIX = Buffer.from('{"kind":"event",', 'utf8');

/** Splits a byte stream into lines (without their line feeds), keeping the bytes as they are. */
async function* byteLines(input: ExportInput, onBytes?: (n: number) => void) {
  let rest = Buffer.alloc(0);
  let total = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += bytes.length;
    onBytes?.(total);
    const buf = rest.length > 0 ? Buffer.concat([rest, bytes]) : bytes;
    let start = 0;
    for (let i = buf.indexOf(0x0a, start); i !== -1; i = buf.indexOf(0x0a, start)) {
      yield buf.subarray(start, i);
      start = i + 1;
    }
    rest = Buffer.from(buf.subarray(start));
  }
  if (rest.length > 0) yield rest;
}

interface EventLine {
  seq: number;
  subject: string;
  storedAt: number;
  storedNs: bigint;
  prevHash: string;
  hash: string;
  body: Uint8Array;
}

/** An event line's members and its body's exact bytes; a string says what is wrong. */
function parseEventLine(line: Buffer): EventLine | string {
  let meta: Record<string, unknown>;
  let body: Uint8Array;
  const at = line.indexOf(MARKER);
  try {
    if (at >= 0) {
      if (line[line.length - 1] !== CLOSE_BRACE) return 'the line does not end with "}"';
      // the members before the body are themselves a JSON object once closed
      meta = JSON.parse(`${line.subarray(0, at).toString('utf8')}}`) as Record<string, unknown>;
      body = line.subarray(at + MARKER.length, line.length - 1);
    } else {
      meta = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
      if (typeof meta.data_base64 === 'string') {
        const decoded = Buffer.from(meta.data_base64, 'base64');
        if (decoded.toString('base64') !== meta.data_base64) return 'data_base64 is not canonical base64';
        body = decoded;
      } else if (typeof meta.data === 'string') body = Buffer.from(meta.data, 'utf8');
      else return 'the line has no event, data or data_base64';
    }
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  const { seq, subject, stored_at, stored_ns, prev_hash, hash } = meta;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'seq is not a stream sequence';
  if (typeof subject !== 'string' || subject === '') return 'subject is missing';
  if (typeof stored_ns !== 'string' || !NS.test(stored_ns)) return 'stored_ns is not a decimal number';
  if (typeof stored_at !== 'number') return 'stored_at is missing';
  if (!isChainHash(prev_hash)) return 'prev_hash is not a SHA-256 in hex';
  if (!isChainHash(hash)) return 'hash is not a SHA-256 in hex';
  return { seq, subject, storedAt: stored_at, storedNs: BigInt(stored_ns), prevHash: prev_hash, hash, body };
}

function parseHeader(line: Buffer | undefined): ExportHeader {
  let h: Partial<ExportHeader> | null = null;
  try {
    if (line) h = JSON.parse(line.toString('utf8')) as Partial<ExportHeader>;
  } catch {
    // reported below
  }
  if (h?.kind !== 'header' || h.format !== EXPORT_FORMAT) {
    throw new NotAnExportError(`not an ${EXPORT_FORMAT} file: the first line is not its header`);
  }
  if (h.version !== EXPORT_VERSION) {
    throw new NotAnExportError(
      `export version ${String(h.version)} is not one this tool reads (${EXPORT_VERSION})`,
    );
  }
  if (!h.start || !Number.isSafeInteger(h.start.seq) || !isChainHash(h.start.hash)) {
    throw new NotAnExportError('the header has no valid start of the chain');
  }
  return h as ExportHeader;
}

/** The sequence a damaged line most likely held (its members come first). */
function seqHint(line: Buffer): number | null {
  const m = /"seq":(\d{1,16})/.exec(line.subarray(0, 200).toString('utf8'));
  return m ? Number(m[1]) : null;
}

export async function verifyExport(input: ExportInput, options: VerifyOptions = {}): Promise<VerifyReport> {
  const lines = byteLines(input, options.onBytes)[Symbol.asyncIterator]();
  const first = await lines.next();
  const header = parseHeader(first.done ? undefined : first.value);
  const expected = new Map(options.expect ?? []);
  const problems: VerifyProblem[] = [];
  let problemCount = 0;
  let lineNo = 1;
  const problem = (seq: number | null, message: string) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push({ seq, line: lineNo, message });
  };
  const checkExpected = (seq: number, hash: string) => {
    const want = expected.get(seq);
    if (want === undefined) return;
    expected.delete(seq);
    report.expectationsChecked++;
    if (want !== hash) problem(seq, `seq ${seq}: the export's hash ${hash} is not the expected ${want}`);
  };

  const report: VerifyReport = {
    ok: false,
    header,
    events: 0,
    firstSeq: null,
    lastSeq: null,
    end: null,
    checkpointsChecked: 0,
    expectationsChecked: 0,
    problems,
    problemCount: 0,
  };
  checkExpected(header.start.seq, header.start.hash);
  // the last line's sequence and stated hash; null hash after a line that could not be read
  let last: { seq: number; hash: string | null } = { seq: header.start.seq, hash: header.start.hash };
  let ended = false;

  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    lineNo++;
    const line = next.value;
    if (line.length === 0) continue;
    if (ended) {
      problem(null, 'there are lines after the end record');
      break;
    }
    if (line.subarray(0, EVENT_PREFIX.length).equals(EVENT_PREFIX)) {
      const e = parseEventLine(line);
      if (typeof e === 'string') {
        const seq = seqHint(line) ?? (header.contiguous ? last.seq + 1 : null);
        problem(seq, `seq ${seq ?? '?'}: the event line is damaged: ${e}`);
        last = { seq: seq ?? last.seq, hash: null };
        continue;
      }
      const { seq } = e;
      report.events++;
      report.firstSeq ??= seq;
      report.lastSeq = seq;
      if (seq <= last.seq) problem(seq, `seq ${seq}: out of order (after seq ${last.seq})`);
      if (seq < header.from_seq || seq > header.to_seq)
        problem(seq, `seq ${seq}: outside the exported range ${header.from_seq}–${header.to_seq}`);
      const recomputed = chainHash(e.prevHash, {
        seq,
        storedNs: e.storedNs,
        subject: e.subject,
        data: e.body,
      });
      if (recomputed !== e.hash) {
        problem(
          seq,
          `seq ${seq}: the event does not match its hash: its bytes, subject, stored time or sequence were changed`,
        );
      }
      if (e.storedAt !== nsToMs(e.storedNs))
        problem(seq, `seq ${seq}: stored_at ${e.storedAt} is not stored_ns ${e.storedNs} in milliseconds`);
      const linked = header.contiguous || seq === last.seq + 1;
      if (linked && last.hash !== null && e.prevHash !== last.hash) {
        problem(
          seq,
          `seq ${seq}: prev_hash is not the hash of seq ${last.seq}: an event between them is missing or was added, or one of them was changed`,
        );
      }
      checkExpected(seq, e.hash);
      last = { seq, hash: e.hash };
      continue;
    }

    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      const seq = seqHint(line);
      problem(
        seq,
        `line ${lineNo}${seq === null ? '' : ` (seq ${seq})`}: not JSON (${(err as Error).message})`,
      );
      last = { seq: seq ?? last.seq, hash: null };
      continue;
    }
    switch (record.kind) {
      case 'checkpoint': {
        const seq = Number(record.seq);
        if (seq !== last.seq || last.hash === null) {
          if (header.contiguous) problem(seq, `seq ${seq}: a checkpoint without its event before it`);
          break;
        }
        report.checkpointsChecked++;
        if (record.hash !== last.hash) {
          problem(
            seq,
            `seq ${seq}: the service's checkpoint is ${String(record.hash)}, the chain in this export gives ${last.hash}`,
          );
        }
        break;
      }
      case 'end': {
        ended = true;
        const endSeq = Number(record.last_seq);
        const hash = String(record.hash);
        report.end = { seq: endSeq, hash };
        if (record.events !== report.events)
          problem(
            null,
            `the end record counts ${String(record.events)} events, the file has ${report.events}`,
          );
        if (endSeq !== header.to_seq)
          problem(null, `the end record is at seq ${endSeq}, the header's range ends at ${header.to_seq}`);
        if (header.contiguous && last.hash !== null && hash !== last.hash) {
          problem(
            last.seq,
            `the end record's hash is not the hash of the last event (seq ${last.seq}): events after it are missing or it was changed`,
          );
        }
        checkExpected(endSeq, hash);
        break;
      }
      case 'error':
        problem(null, `the service stopped the export with an error: ${String(record.message)}`);
        break;
      default:
        problem(seqHint(line), `line ${lineNo}: unknown record ${JSON.stringify(record.kind)}`);
    }
  }
  if (!ended) problem(last.seq, `the export is truncated after seq ${last.seq}: it has no end record`);
  for (const seq of expected.keys())
    problem(seq, `seq ${seq} is not in this export: its hash cannot be checked`);
  report.problemCount = problemCount;
  report.ok = problemCount === 0;
  return report;
}
