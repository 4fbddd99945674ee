// A stand-in for `im-hub rebuild` in test/bulk-process.test.ts: it runs itself again with the
// replay's Node options, and the process that does the work says what it was started with.
import { inBulkProcess } from '../../src/cli/bulk-process.js';

const exit = await inBulkProcess();
if (exit !== null) process.exit(exit);
process.stdout.write(
  `${JSON.stringify({ pid: process.pid, ppid: process.ppid, execArgv: process.execArgv })}\n`,
);
if (process.env.WAIT_FOR_SIGNAL) setInterval(() => {}, 1000);
else process.exitCode = 7;
