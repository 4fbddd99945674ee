import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { parseEvent } from '../../events/index.js';
import { createPublisher } from '../../log/publisher.js';
import { createLogger } from '../../logger.js';
import { openLog } from '../../main.js';
import { EXIT_USAGE, exitCodesHelp, UsageError } from '../exit-codes.js';
import { configFromEnv } from '../program.js';
import { createProgress } from '../progress.js';

/** Most acknowledgements awaited at once. */
const IN_FLIGHT = 256;

/** Checks the file before anything connects, so that a typo is a usage error with its remedy. */
async function checkFile(file: string): Promise<number> {
  const remedy = 'Give the path of an NDJSON file (one event a line), or - to read standard input.';
  try {
    const s = await stat(file);
    if (s.isDirectory()) throw new UsageError(`${file} is a directory. ${remedy}`);
    return s.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${file}: no such file. ${remedy}`);
    if (code === 'EACCES') throw new UsageError(`${file}: permission denied. ${remedy}`);
    throw e;
  }
}

/** Lines in a file, for the progress bar's total (a fast pass over the bytes). */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    last = chunk[chunk.length - 1] ?? last;
  }
  return last === 10 ? lines : lines + 1;
}

export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description(
      'publish events from an NDJSON file (one event a line) as a worker would; invalid lines are reported by number and skipped',
    )
    .argument('<file>', 'the NDJSON file, or - for standard input')
    .addHelpText(
      'after',
      `
Each line is checked against the event contract (the README's "event contract") before it is
sent; a repeated event_id inside the de-duplication window is stored once and counted as a
duplicate. Progress goes to standard error, the summary to standard output.

Example:
  im-hub publish events.ndjson
  some-crawler | im-hub publish -
${exitCodesHelp({
  failed: 'NATS unreachable, or the stream refused an event',
  usage: 'the file is missing, or any line was invalid (the valid ones are published)',
})}`,
    )
    .action(async (file: string) => {
      const cfg = configFromEnv();
      const size = file === '-' ? 0 : await checkFile(file);
      const log = createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL);
      const nats = await openLog(cfg, log);
      const publisher = createPublisher({ js: nats.js, partitions: nats.partitions });
      if (file === '-' && process.stdin.isTTY)
        process.stderr.write('reading events from standard input, one JSON object a line (Ctrl-D ends)\n');
      const progress = createProgress({
        label: 'publish',
        total: size > 0 ? await countLines(file) : 0,
        unit: 'lines',
        stream: process.stderr,
      });
      const input = file === '-' ? process.stdin : createReadStream(file, 'utf8');
      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
      let lineNo = 0;
      let published = 0;
      let duplicates = 0;
      let invalid = 0;
      let failure: unknown = null;
      const inflight = new Set<Promise<void>>();
      const report = (message: string) => {
        progress.finish();
        process.stderr.write(`line ${lineNo}: ${message}\n`);
      };
      for await (const line of lines) {
        lineNo++;
        progress.update(lineNo);
        if (line.trim() === '') continue;
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch (e) {
          invalid++;
          report(`not JSON: ${(e as Error).message}`);
          continue;
        }
        const parsed = parseEvent(raw);
        if (!parsed.ok) {
          invalid++;
          report(parsed.reason);
          continue;
        }
        const p: Promise<void> = publisher
          .publish(parsed.event)
          .then(
            (r) => {
              if (r.duplicate) duplicates++;
              else published++;
            },
            (e: unknown) => {
              failure ??= e;
            },
          )
          .finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
        if (failure) break;
      }
      await Promise.all(inflight);
      progress.finish();
      if (failure) {
        await nats.nc.close();
        throw new Error(
          `publishing stopped at line ${lineNo} (${published} published before): ${(failure as Error).message}. Check that NATS is up and the stream ${cfg.STREAM_NAME} exists, then publish again: events already stored are de-duplicated within DEDUP_WINDOW_MS`,
          { cause: failure },
        );
      }
      await nats.nc.drain();
      process.stdout.write(
        `published ${published}, duplicates ${duplicates}, invalid ${invalid} (of ${lineNo} lines)\n`,
      );
      if (invalid > 0) {
        process.stderr.write(
          'fix the lines reported above and publish them again (or the whole file, within DEDUP_WINDOW_MS of this run: its valid lines are stored once)\n',
        );
        process.exitCode = EXIT_USAGE;
      }
    });
}
