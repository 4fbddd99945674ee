import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateEvents } from '../src/worker/simulate.js';
import { createTestLog, natsUrl, type TestLog } from './support/env.js';
import { spawnCli } from './support/process.js';

let log: TestLog;
beforeAll(async () => {
  log = await createTestLog('cli');
});
afterAll(async () => {
  await log?.close();
});

describe('command line', () => {
  it('publishes an NDJSON file, reporting each invalid line by number', async () => {
    const events = [...simulateEvents({ seed: 2, events: 6, editRate: 0, recallRate: 0, runId: 'cli' })];
    const lines = events.map((e) => JSON.stringify(e));
    lines.splice(2, 0, '{"event_id": oops}');
    lines.splice(
      5,
      0,
      JSON.stringify({ ...events[0], event_id: 'x2', payload: { ...events[0]!.payload, content: 42 } }),
    );
    lines.splice(6, 0, '');
    const file = join(mkdtempSync(join(tmpdir(), 'imhub-')), 'events.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const env = { NATS_URL: natsUrl(), STREAM_NAME: log.stream, SUBJECT_PREFIX: log.subjects.prefix };

    const run = spawnCli(['publish', file], env);
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/line 3: not JSON/);
    expect(run.output()).toMatch(/line 6: payload\.content: /);
    expect(run.output()).toMatch(/published 6, duplicates 0, invalid 2 \(of 9 lines\)/);
    expect((await log.jsm.streams.info(log.stream)).state.messages).toBe(6);

    const again = spawnCli(['publish', file], env);
    await again.exited;
    expect(again.output()).toMatch(/published 0, duplicates 6, invalid 2/);
  });

  it('exits 2 with the variable named when the configuration is bad', async () => {
    const run = spawnCli(['publish', '-'], { STREAM_NAME: 'no spaces allowed' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/STREAM_NAME="no spaces allowed": letters, digits/);
  });

  it('exits 1 with what to do when NATS is not there', async () => {
    const run = spawnCli(['simulate', '--events', '1'], { NATS_URL: 'nats://127.0.0.1:1' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:1.*Start nats-server/);
  });
});
