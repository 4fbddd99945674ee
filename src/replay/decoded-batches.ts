import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Batch } from '../projections/batch.js';
import type { DecodeJob, DecodeOutput } from './decode-worker.js';

/**
 * The batches of a range of the log, read and decoded on a thread of its own
 * (`decode-worker.ts`) while the caller folds and writes the ones before: the two halves of a
 * replay's CPU work run side by side. At most `job.ahead` batches wait here undecided, so
 * memory stays bounded however slow the caller is.
 */
export async function* decodedBatches(job: DecodeJob): AsyncGenerator<Batch> {
  const worker = startWorker(job);
  const inbox: DecodeOutput[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let exited = false;
  worker.on('message', (m: DecodeOutput) => {
    inbox.push(m);
    wake?.();
  });
  worker.on('error', (e) => {
    failure = e;
    wake?.();
  });
  worker.on('exit', (code) => {
    exited = true;
    if (code !== 0) failure ??= new Error(`the log reader thread exited with code ${code}`);
    wake?.();
  });
  try {
    for (;;) {
      const next = inbox.shift();
      if (!next) {
        if (failure) throw failure;
        if (exited) throw new Error('the log reader thread ended before the end of the range');
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      if (next.type === 'end') return;
      if (next.type === 'error') {
        throw Object.assign(new Error(`reading the log: ${next.message}`), { stack: next.stack });
      }
      worker.postMessage({ type: 'credit' });
      yield { ...next.batch, valid: JSON.parse(next.valid) as Batch['valid'] };
    }
  } finally {
    await worker.terminate();
  }
}

/**
 * The worker runs the compiled `decode-worker.js` beside this file; from the TypeScript
 * sources (tests, `tsx`) it registers tsx's loader in the thread first, since a thread does not
 * inherit the loader hooks of the process.
 */
function startWorker(job: DecodeJob): Worker {
  const self = fileURLToPath(import.meta.url);
  const ts = self.endsWith('.ts');
  const entry = new URL(`./decode-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!ts) return new Worker(entry, { workerData: job });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: job });
}
