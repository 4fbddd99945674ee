/**
 * The `audit export` of bench:rebuild, in a process of its own (forked by
 * bench/rebuild.bench.ts) started with the Node options `im-hub audit export` runs with
 * (`BULK_NODE_OPTIONS`): the export is measured as the command runs it, from the log to a file.
 *
 * Protocol (IPC): parent → `start`; child → `result` (exit code, seconds, CPU seconds), then exits.
 */
import { createAuditLog } from '../src/audit/audit-log.js';
import { runExport } from '../src/audit/commands.js';
import { createDb } from '../src/db/client.js';
import { connectNats } from '../src/log/connect.js';
import { createSubjects } from '../src/log/subjects.js';

export interface ExportStart {
  type: 'start';
  databaseUrl: string;
  natsUrl: string;
  stream: string;
  subjectPrefix: string;
  out: string;
}

export interface ExportResult {
  type: 'result';
  exitCode: number;
  seconds: number;
  /** CPU time of this process during the export. */
  cpuSeconds: number;
}

process.once('message', async (start: ExportStart) => {
  const db = createDb(start.databaseUrl, { max: 2, applicationName: 'bench-export' });
  const nats = await connectNats({ url: start.natsUrl, name: 'bench-export' });
  try {
    const audit = createAuditLog({
      sql: db.sql,
      js: nats.js,
      jsm: nats.jsm,
      stream: start.stream,
      subjects: createSubjects(start.subjectPrefix),
      checkpointEvery: 1000,
    });
    const cpu = process.cpuUsage();
    const t = performance.now();
    const exitCode = await runExport(
      audit,
      { out: start.out },
      { stdout: process.stdout, stderr: { isTTY: false, write: () => true } },
    );
    const seconds = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    const result: ExportResult = {
      type: 'result',
      exitCode,
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
    process.send!(result, () => process.exit(0));
  } catch (e) {
    process.stderr.write(`export failed: ${(e as Error).stack}\n`);
    process.exit(1);
  } finally {
    await nats.nc.close();
    await db.close();
  }
});
