import type { Command } from 'commander';
import { createPublisher } from '../../log/publisher.js';
import { createLogger } from '../../logger.js';
import { openLog } from '../../main.js';
import { simulateEvents } from '../../worker/simulate.js';
import { exitCodesHelp } from '../exit-codes.js';
import { configFromEnv, wholeNumber } from '../program.js';
import { createProgress } from '../progress.js';

interface SimulateOptions {
  events: number;
  accounts: number;
  conversations: number;
  rate: number;
  seed?: number;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('act as a few workers: publish realistic Chinese DMs, comments, edits and recalls')
    .option('--events <n>', 'how many events', wholeNumber('--events'), 500)
    .option('--accounts <n>', 'monitored accounts', wholeNumber('--accounts'), 3)
    .option('--conversations <n>', 'conversations per account', wholeNumber('--conversations'), 20)
    .option('--rate <n>', 'events per second (0: as fast as possible)', wholeNumber('--rate'), 50)
    .option('--seed <n>', 'random seed (the same seed repeats the same stream)', wholeNumber('--seed'))
    .addHelpText(
      'after',
      `
Accounts are dy_10001, dy_10002, … Progress goes to standard error, the summary to standard output.

Example:
  im-hub simulate --events 300 --rate 0
${exitCodesHelp({ failed: 'NATS unreachable, or the stream refused an event', usage: 'a bad option or environment variable' })}`,
    )
    .action(async (o: SimulateOptions) => {
      const cfg = configFromEnv();
      const log = createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL);
      const nats = await openLog(cfg, log);
      const publisher = createPublisher({ js: nats.js, partitions: nats.partitions });
      const seed = o.seed ?? Date.now() % 1_000_000;
      const started = Date.now();
      const progress = createProgress({
        label: 'simulate',
        total: o.events,
        unit: 'events',
        stream: process.stderr,
      });
      let n = 0;
      for (const event of simulateEvents({
        seed,
        runId: `sim-${seed}-${started}`,
        accounts: o.accounts,
        conversationsPerAccount: o.conversations,
        events: o.events,
        startAt: started,
      })) {
        await publisher.publish(event);
        progress.update(++n);
        if (o.rate > 0) {
          const wait = started + (n * 1000) / o.rate - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }
      progress.finish();
      await nats.nc.drain();
      process.stdout.write(`published ${n} events to stream ${cfg.STREAM_NAME} (seed ${seed})\n`);
    });
}
