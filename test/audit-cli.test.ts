import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyExport } from '../src/audit/verify.js';
import { chainHash } from '../src/log/chain.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { recomputeChain } from './support/chain.js';
import {
  createTestDatabase,
  createTestLog,
  natsUrl,
  projectedTo,
  startTestProjector,
  type TestLog,
} from './support/env.js';
import { spawnCli } from './support/process.js';

const EVERY = 50;
let log: TestLog;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
let dir: string;
let file: string;
let exported: Buffer;
let last: number;
let chain: string[];

beforeAll(async () => {
  [log, db] = await Promise.all([createTestLog('audit_cli'), createTestDatabase('audit_cli')]);
  const events = [...simulateEvents({ seed: 21, events: 400, accounts: 3, runId: 'audit-cli' })];
  await log.publisher.publishMany(events.slice(0, 200));
  await log.js.publish(
    log.subjects.event('dy_10002', 'MessageCaptured'),
    new TextEncoder().encode('{"oops"'),
  );
  const results = await log.publisher.publishMany(events.slice(200));
  last = results[results.length - 1]!.seq;
  const projector = startTestProjector(log, db, { chainCheckpointEvery: EVERY });
  await projectedTo(db, projector.name, last);
  await projector.stop();
  chain = await recomputeChain(log);
  env = {
    NATS_URL: natsUrl(),
    DATABASE_URL: db.url,
    STREAM_NAME: log.stream,
    SUBJECT_PREFIX: log.subjects.prefix,
    AUDIT_CHECKPOINT_EVERY: String(EVERY),
  };
  dir = mkdtempSync(join(tmpdir(), 'imhub-audit-'));
  file = join(dir, 'export.ndjson');
  const run = spawnCli(['audit', 'export', '--out', file], env);
  expect(await run.exited, run.output()).toBe(0);
  expect(run.stderr()).toMatch(new RegExp(`exported ${last} events \\(seq 1–${last}\\) to ${file}`));
  expect(run.stderr()).toContain(`chain at seq ${last}: ${chain[last]}`);
  exported = readFileSync(file);
});

afterAll(async () => {
  await log?.close();
  await db?.drop();
});

const lines = () => exported.toString('utf8').trimEnd().split('\n');
/** The export with its lines changed by `edit`, as bytes. */
const edited = (edit: (lines: string[]) => string[]) => Buffer.from(`${edit(lines()).join('\n')}\n`, 'utf8');
const lineOf = (seq: number) => lines().findIndex((l) => l.startsWith(`{"kind":"event","seq":${seq},`));

function writeTemp(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('audit export and verify-export (command line)', () => {
  it('exports every stored sequence with the chain an independent recomputation gives', () => {
    const parsed = lines().map((l) => JSON.parse(l));
    expect(parsed[0]).toMatchObject({ kind: 'header', from_seq: 1, to_seq: last, contiguous: true });
    const events = parsed.filter((l) => l.kind === 'event');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(events.every((e) => e.hash === chain[e.seq])).toBe(true);
    expect(parsed.filter((l) => l.kind === 'checkpoint').map((c) => c.seq)).toEqual(
      Array.from({ length: Math.floor(last / EVERY) }, (_, i) => (i + 1) * EVERY),
    );
    expect(parsed.at(-1)).toEqual({ kind: 'end', last_seq: last, hash: chain[last], events: last });
    // the malformed body is in the export as stored
    expect(events.find((e) => e.seq === 201)).toMatchObject({ data: '{"oops"' });
  });

  it('verifies the untouched export, offline', async () => {
    const run = spawnCli(['audit', 'verify-export', file, '--expect', `${last}:${chain[last]}`], {
      // nothing to reach: the check needs the file only
      NATS_URL: 'nats://127.0.0.1:1',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    expect(await run.exited, run.output()).toBe(0);
    expect(run.stdout()).toMatch(new RegExp(`^OK: .*: ${last} events, seq 1–${last}`));
    expect(run.stdout()).toContain(`chain end:   seq ${last} ${chain[last]}`);
  });

  it('finds one flipped byte of one event and names its sequence (exit 1)', async () => {
    const seq = 137;
    const bytes = Buffer.from(exported);
    const start = bytes.indexOf(`{"kind":"event","seq":${seq},`);
    const content = bytes.indexOf('"content":"', start) + '"content":"'.length;
    bytes[content + 1]! ^= 0x01; // inside a UTF-8 sequence or an ASCII character: either way one bit
    const tampered = writeTemp('flipped.ndjson', bytes);
    const run = spawnCli(['audit', 'verify-export', tampered], {});
    expect(await run.exited, run.output()).toBe(1);
    expect(run.stdout()).toMatch(/^FAILED: /);
    expect(run.stdout()).toContain(`seq ${seq}: the event does not match its hash`);
    expect(run.stdout()).toMatch(/^1 problem:$/m);
  });

  it('names the sequence for every other kind of tampering', async () => {
    const check = async (bytes: Buffer, options = {}) => {
      const r = await verifyExport([bytes], options);
      expect(r.ok).toBe(false);
      return r.problems.map((p) => p.message);
    };
    // a byte that breaks the event's JSON
    const broken = Buffer.from(exported);
    broken[broken.indexOf('"payload":{', broken.indexOf(`{"kind":"event","seq":88,`))] = 0x78;
    expect(await check(broken)).toEqual([expect.stringMatching(/^seq 88: /)]);
    // an event removed: the next one no longer follows
    expect(await check(edited((l) => l.filter((_, i) => i !== lineOf(60))))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^seq 61: prev_hash is not the hash of seq 59/)]),
    );
    // two events swapped
    const swapped = await check(
      edited((l) => {
        const i = lineOf(70);
        [l[i], l[i + 1]] = [l[i + 1]!, l[i]!];
        return l;
      }),
    );
    expect(swapped.some((m) => m.startsWith('seq 70: '))).toBe(true);
    // the stored time changed (it is not hashed in milliseconds, but must agree with the ns)
    expect(
      await check(
        edited((l) => {
          const i = lineOf(12);
          l[i] = l[i]!.replace(/"stored_at":(\d+)/, (_, ms) => `"stored_at":${Number(ms) + 1}`);
          return l;
        }),
      ),
    ).toEqual([expect.stringMatching(/^seq 12: stored_at /)]);
    // a checkpoint of the service that the log no longer gives
    expect(
      await check(
        edited((l) =>
          l.map((x) =>
            x.startsWith('{"kind":"checkpoint","seq":100,')
              ? x.replace(/[0-9a-f]"}$/, (c) => `${c[0] === '0' ? '1' : '0'}"}`)
              : x,
          ),
        ),
      ),
    ).toEqual([expect.stringMatching(/^seq 100: the service's checkpoint is /)]);
    // the end cut off
    expect(await check(edited((l) => l.slice(0, -5)))).toEqual([
      expect.stringMatching(/^the export is truncated after seq \d+: it has no end record$/),
    ]);
  });

  it('cannot tell by itself a chain recomputed by the forger, but an expected hash can', async () => {
    // the forger changes an event and recomputes every hash after it, the end record too
    let prev = '';
    const forged = edited((l) =>
      l.map((x) => {
        const r = JSON.parse(x);
        if (r.kind === 'header') prev = r.start.hash;
        if (r.kind === 'checkpoint') return '';
        if (r.kind === 'end') return JSON.stringify({ ...r, hash: prev });
        if (r.kind !== 'event') return x;
        // events as stored stay byte for byte; the one forged is re-serialized
        const body: string =
          r.data ??
          (r.seq === 30
            ? JSON.stringify({ ...r.event, account_id: 'dy_forged' })
            : x.slice(x.indexOf(',"event":') + 9, -1));
        const hash = chainHash(prev, {
          seq: r.seq,
          storedNs: BigInt(r.stored_ns),
          subject: r.subject,
          data: Buffer.from(body),
        });
        const hashes = `"prev_hash":"${prev}","hash":"${hash}"`;
        const line =
          r.data === undefined
            ? x.replace(/"prev_hash":"[0-9a-f]+","hash":"[0-9a-f]+",.*$/, `${hashes},"event":${body}}`)
            : x.replace(/"prev_hash":"[0-9a-f]+","hash":"[0-9a-f]+"/, hashes);
        prev = hash;
        return line;
      }),
    );
    expect((await verifyExport([forged])).ok).toBe(true);
    const anchored = await verifyExport([forged], { expect: new Map([[last, chain[last]!]]) });
    expect(anchored.ok).toBe(false);
    expect(anchored.problems[0]!.message).toMatch(
      new RegExp(`^seq ${last}: the export's hash .* is not the expected`),
    );
  });

  it('exports a filtered range to standard output that verifies event by event', async () => {
    const run = spawnCli(
      [
        'audit',
        'export',
        '--from',
        '100',
        '--to',
        '300',
        '--account',
        'dy_10003',
        '--type',
        'MessageCaptured',
      ],
      env,
    );
    expect(await run.exited, run.stderr()).toBe(0);
    const out = run
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out[0]).toMatchObject({
      kind: 'header',
      from_seq: 100,
      to_seq: 300,
      contiguous: false,
      start: { seq: 99, hash: chain[99] },
      filter: { account_id: 'dy_10003', types: ['MessageCaptured'], conversation_id: null },
    });
    const events = out.filter((l) => l.kind === 'event');
    expect(events.length).toBeGreaterThan(10);
    for (const e of events) {
      expect(e.seq).toBeGreaterThanOrEqual(100);
      expect(e.seq).toBeLessThanOrEqual(300);
      expect(e.event).toMatchObject({ account_id: 'dy_10003', type: 'MessageCaptured' });
      expect(e.hash).toBe(chain[e.seq]);
    }
    expect(out.at(-1)).toMatchObject({ kind: 'end', last_seq: 300, hash: chain[300], events: events.length });
    expect(run.stderr()).toMatch(/exported \d+ events \(seq 100–300, filtered\) to standard output/);
    expect((await verifyExport([run.stdout()])).ok).toBe(true);
    const flipped = run.stdout().replace(`"seq":${events[3].seq},`, `"seq":${events[3].seq + 1},`);
    const r = await verifyExport([flipped]);
    expect(r.problems.map((p) => p.seq)).toContain(events[3].seq + 1);
  });

  it('exits 2 for bad input: a file that is not an export, a bad option, an unknown type', async () => {
    const notExport = writeTemp('not.ndjson', Buffer.from('{"hello":1}\n'));
    const runs = [
      spawnCli(['audit', 'verify-export', notExport], {}),
      spawnCli(['audit', 'verify-export', join(dir, 'missing.ndjson')], {}),
      spawnCli(['audit', 'verify-export', file, '--expect', '12:abc'], {}),
      spawnCli(['audit', 'export', '--from', '0'], env),
      spawnCli(['audit', 'export', '--from', '9', '--to', '3'], env),
      spawnCli(['audit', 'export', '--type', 'MessageExploded'], env),
    ];
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes).toEqual([2, 2, 2, 2, 2, 2]);
    expect(runs[0]!.output()).toMatch(/not an im-hub-audit-export file/);
    expect(runs[5]!.output()).toMatch(/--type MessageExploded: not an event type/);
  });
});
