import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { UsageError } from '../cli/exit-codes.js';
import { createProgress, type ProgressStream } from '../cli/progress.js';
import { EVENT_TYPES } from '../events/index.js';
import { isChainHash } from '../log/chain.js';
import type { AuditLog, HistoryQuery } from './audit-log.js';
import { NotAnExportError, type VerifyReport, verifyExport } from './verify.js';

export interface CommandIo {
  stdout: Writable;
  stderr: ProgressStream;
  stdin?: NodeJS.ReadableStream;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export interface ExportCommandOptions {
  from?: number;
  to?: number;
  account?: string;
  type?: string[];
  conversation?: string;
  /** A file; standard output when absent or `-`. */
  out?: string;
}

/**
 * `audit export`: writes an export (see `src/audit/format.ts`) to a file or standard output,
 * with progress and a summary on standard error. Returns the exit code: 1 when the log no
 * longer gives one of the service's stored checkpoints (the export is written all the same).
 */
export async function runExport(audit: AuditLog, o: ExportCommandOptions, io: CommandIo): Promise<number> {
  const from = o.from ?? 1;
  if (o.to !== undefined && o.to < from) throw new UsageError(`--to ${o.to} is before --from ${from}`);
  const unknown = (o.type ?? []).filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new UsageError(`--type ${unknown.join(', ')}: not an event type (${EVENT_TYPES.join(', ')})`);
  const query: HistoryQuery = { fromSeq: from, toSeq: o.to, accountId: o.account, types: o.type };
  if (o.conversation !== undefined) {
    const conversation = await audit.findConversation(o.conversation);
    if (!conversation) throw new UsageError(`--conversation ${o.conversation}: no such conversation`);
    query.conversation = conversation;
  }

  const started = Date.now();
  const exported = await audit.openExport(query);
  const { progress } = exported;
  const toFile = o.out !== undefined && o.out !== '-';
  const out: Writable = toFile ? createWriteStream(o.out!) : io.stdout;
  const bar = createProgress({
    label: 'export',
    total: progress.toSeq - progress.fromSeq + 1,
    unit: 'seq',
    stream: io.stderr,
  });
  for await (const chunk of exported.chunks()) {
    if (!out.write(chunk)) await once(out, 'drain');
    bar.update(progress.seq - progress.fromSeq + 1);
  }
  if (toFile) {
    out.end();
    await finished(out);
  }
  bar.finish();

  const seconds = (Date.now() - started) / 1000;
  const range =
    progress.toSeq >= progress.fromSeq
      ? `seq ${fmt(progress.fromSeq)}–${fmt(progress.toSeq)}`
      : 'an empty range';
  const filter = exported.header.filter ? ', filtered' : '';
  io.stderr.write(
    `exported ${fmt(progress.events)} events (${range}${filter}) to ${toFile ? o.out : 'standard output'} in ${seconds.toFixed(1)} s\n` +
      `chain at seq ${progress.head.seq}: ${progress.head.hash}\n`,
  );
  if (progress.mismatches.length > 0) {
    io.stderr.write(
      `WARNING: the log no longer gives the service's stored chain checkpoint at seq ${progress.mismatches.join(', ')}: ` +
        'the stream was changed after the service read it. verify-export will report it.\n',
    );
    return 1;
  }
  return 0;
}

/** `--expect <seq>:<hash>` values. */
export function parseExpectations(values: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const v of values) {
    const m = /^(\d{1,16}):([0-9a-f]{64})$/.exec(v);
    if (!m || !isChainHash(m[2]))
      throw new UsageError(`--expect ${v}: give <seq>:<64 hex digits of the hash>`);
    out.set(Number(m[1]), m[2]);
  }
  return out;
}

function describeReport(r: VerifyReport, file: string): string {
  const h = r.header;
  const span = r.firstSeq === null ? 'no events' : `seq ${fmt(r.firstSeq)}–${fmt(r.lastSeq!)}`;
  const kind = h.contiguous
    ? 'a whole range: every stored sequence, the chain unbroken from its start to its end'
    : 'filtered: each event checked against its own hashes; completeness needs the service';
  const lines = [
    `${r.ok ? 'OK' : 'FAILED'}: ${file}: ${fmt(r.events)} events, ${span} of stream ${h.stream} (${kind})`,
  ];
  if (r.checkpointsChecked > 0) lines.push(`service checkpoints checked: ${fmt(r.checkpointsChecked)}`);
  if (r.expectationsChecked > 0) lines.push(`expected hashes checked: ${fmt(r.expectationsChecked)}`);
  lines.push(`chain start: seq ${h.start.seq} ${h.start.hash}`);
  if (r.end) lines.push(`chain end:   seq ${r.end.seq} ${r.end.hash}`);
  if (r.ok && r.end) {
    lines.push(
      `To tie this file to the service, compare the end hash with GET /api/v1/audit/chain?seq=${r.end.seq} ` +
        `(or keep it and pass --expect ${r.end.seq}:<hash> next time).`,
    );
  }
  if (!r.ok) {
    lines.push(`${fmt(r.problemCount)} problem${r.problemCount === 1 ? '' : 's'}:`);
    for (const p of r.problems) lines.push(`  line ${p.line}: ${p.message}`);
    if (r.problemCount > r.problems.length)
      lines.push(`  … and ${fmt(r.problemCount - r.problems.length)} more`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `audit verify-export`: checks an export offline (no service, no NATS, no database). Returns
 * the exit code: 0 verified, 1 a problem found (each named with its sequence), 2 not an export.
 */
export async function runVerifyExport(
  file: string,
  expect: readonly string[],
  io: CommandIo,
): Promise<number> {
  const expectations = parseExpectations(expect);
  let input: NodeJS.ReadableStream;
  let size = 0;
  if (file === '-') {
    if (!io.stdin) throw new UsageError('no standard input to read');
    input = io.stdin;
  } else {
    try {
      size = (await stat(file)).size;
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
    input = createReadStream(file);
  }
  const bar = createProgress({ label: 'verify', total: size, unit: 'bytes', stream: io.stderr });
  let report: VerifyReport;
  try {
    report = await verifyExport(input as AsyncIterable<Uint8Array>, {
      expect: expectations,
      onBytes: (n) => bar.update(n),
    });
  } catch (e) {
    if (e instanceof NotAnExportError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  } finally {
    bar.finish();
  }
  io.stdout.write(describeReport(report, file));
  return report.ok ? 0 : 1;
}
