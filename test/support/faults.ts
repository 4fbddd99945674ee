import { checksumReadModels } from '../../src/db/checksum.js';
import type { Nats } from '../../src/log/connect.js';
import type { Publisher } from '../../src/log/publisher.js';
import type { Subjects } from '../../src/log/subjects.js';
import { silentLogger } from '../../src/logger.js';
import { createProjector } from '../../src/projections/projector.js';
import { simulateEvents } from '../../src/worker/simulate.js';
import { createTestDatabase, eventually, projectedTo } from './env.js';
import { type ServiceProcess, spawnCli } from './process.js';
import { freePort } from './servers.js';

// The harness of the fault and cluster tests: the real service as a child process, its
// readiness, a worker publishing a steady stream, and the clean projection to compare with.

/** Events each steady worker publishes, and how many a second. */
export const EVENTS = 1_500;
const RATE = 300;

/** What a test started and must stop, newest first (`runCleanups` in `afterEach`). */
export const cleanups: (() => Promise<unknown>)[] = [];
export async function runCleanups() {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Readiness {
  ready: boolean;
  nats: { ok: boolean };
  postgres: { ok: boolean };
  projector: { state: string; checkpoint: number };
}

export async function readiness(port: number): Promise<{ status: number; body: Readiness } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Readiness };
  } catch {
    return null; // not listening yet
  }
}

export async function waitReady(
  port: number,
  what: string,
  check: (r: Readiness, status: number) => boolean,
) {
  let last: unknown = null;
  try {
    return await eventually(
      async () => {
        const r = await readiness(port);
        last = r;
        return r && check(r.body, r.status) ? r.body : undefined;
      },
      what,
      60_000,
      100,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; /ready last said ${JSON.stringify(last)}`);
  }
}

/** The real service as a child process on a port of its own. */
export async function startService(
  env: Record<string, string>,
): Promise<{ svc: ServiceProcess; port: number }> {
  const port = await freePort();
  const svc = spawnCli(['serve'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
  cleanups.push(async () => {
    if (svc.child.exitCode === null && svc.child.signalCode === null) svc.child.kill('SIGKILL');
    await svc.exited;
  });
  await waitReady(port, `service on ${port} ready`, (r) => r.ready).catch((e) => {
    throw new Error(`${(e as Error).message}; its output:\n${svc.output()}`);
  });
  return { svc, port };
}

/**
 * A worker that publishes each event until the log acknowledges it, retrying the same event
 * (same event id) after an error: the log de-duplicates a retry whose first try was stored.
 */
export function steadyWorker(publisher: Publisher, label: string) {
  const events = [...simulateEvents({ seed: 5, events: EVENTS, accounts: 3, runId: `faults-${label}` })];
  let acked = 0;
  let errors = 0;
  const done = (async () => {
    const start = Date.now();
    for (let i = 0; i < events.length; i++) {
      for (;;) {
        try {
          await publisher.publish(events[i]!);
          acked++;
          break;
        } catch {
          errors++;
          await sleep(200);
        }
      }
      const due = start + ((i + 1) * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  })();
  return {
    events,
    done,
    acked: () => acked,
    errors: () => errors,
    reached: (n: number) => eventually(async () => (acked >= n ? true : undefined), `${n} events published`),
  };
}

/** Projects the whole stream into a fresh database: the reference the live read models must equal. */
export async function cleanChecksums(nats: Nats, stream: string, subjects: Subjects, lastSeq: number) {
  const fresh = await createTestDatabase('faults_clean');
  try {
    const p = createProjector({ sql: fresh.sql, js: nats.js, stream, subjects, log: silentLogger() });
    p.start();
    await projectedTo(fresh, p.name, lastSeq);
    await p.stop();
    return await checksumReadModels(fresh.sql);
  } finally {
    await fresh.drop();
  }
}
