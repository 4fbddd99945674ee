/**
 * The rebuild of bench:rebuild, in a process of its own (forked by bench/rebuild.bench.ts), so
 * that its peak memory is the rebuild's alone: the parent holds the generator of the log.
 *
 * Protocol (IPC): parent → `start`; child → `result` (the report, its RSS high-water mark and
 * its RSS at each quarter of the replay), then exits.
 */
import { createDb } from '../src/db/client.js';
import { connectNats } from '../src/log/connect.js';
import { createSubjects } from '../src/log/subjects.js';
import { createProgress } from '../src/replay/progress.js';
import { type RebuildReport, rebuildReadModels } from '../src/replay/rebuild.js';

export interface RebuildStart {
  type: 'start';
  databaseUrl: string;
  natsUrl: string;
  stream: string;
  subjectPrefix: string;
  batchSize: number;
}

export interface RebuildResult {
  type: 'result';
  report: RebuildReport;
  /** `getrusage` maximum resident set size of this process, bytes. */
  maxRss: number;
  /** RSS when the replay had reached 25, 50, 75 and 100% of the log, bytes. */
  rssAt: number[];
  /** The heap still in use after a full collection at the same points, bytes. */
  liveAt: number[];
  /** CPU time of this process (all its threads) during the rebuild, seconds. */
  cpuSeconds: number;
}

process.once('message', async (start: RebuildStart) => {
  const db = createDb(start.databaseUrl, { max: 4, applicationName: 'bench-rebuild' });
  const nats = await connectNats({ url: start.natsUrl, name: 'bench-rebuild' });
  const shown = createProgress(process.stderr);
  const rssAt: number[] = [];
  const liveAt: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  let total = 0;
  let phase = '';
  const cpu = process.cpuUsage();
  try {
    const report = await rebuildReadModels(
      {
        sql: db.sql,
        databaseUrl: start.databaseUrl,
        natsUrl: start.natsUrl,
        jsm: nats.jsm,
        stream: start.stream,
        subjects: createSubjects(start.subjectPrefix),
        projector: `read-models:${start.stream}`,
        progress: {
          phase(name, t) {
            phase = name;
            total = t ?? 0;
            shown.phase(name, t);
          },
          update(done, note) {
            if (phase === 'replay' && total > 0) {
              while (rssAt.length < 4 && done >= (total * (rssAt.length + 1)) / 4) {
                rssAt.push(process.memoryUsage.rss());
                gc?.();
                liveAt.push(process.memoryUsage().heapUsed);
              }
            }
            shown.update(done, note);
          },
          end: () => shown.end(),
        },
      },
      { batchSize: start.batchSize },
    );
    const result: RebuildResult = {
      type: 'result',
      report,
      maxRss: process.resourceUsage().maxRSS * 1024,
      rssAt,
      liveAt,
      cpuSeconds: (() => {
        const used = process.cpuUsage(cpu);
        return (used.user + used.system) / 1e6;
      })(),
    };
    process.send!(result, () => process.exit(0));
  } catch (e) {
    process.stderr.write(`rebuild failed: ${(e as Error).stack}\n`);
    process.exit(1);
  } finally {
    await nats.nc.close();
    await db.close();
  }
});
