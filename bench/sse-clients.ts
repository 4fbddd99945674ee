/**
 * The live-stream clients of bench:sync: bench/sse-clients.c, compiled here with the host's C
 * compiler (once per version of the source) and run as a process of its own. They are the
 * load, not what is measured; the same clients in Node spent twice the CPU, which on one host
 * is taken from the service under test (see the C file).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ClientsStart {
  /** The stream URL, cursor included. */
  url: string;
  clients: number;
  /**
   * Events expected by every client: sequences `firstSeq + i`, i < total, the capture of
   * platform message id `${prefix}${i}` (the parent checks the publisher got those sequences).
   */
  total: number;
  firstSeq: number;
  prefix: string;
  /** `process.hrtime` in ms that arrival times count from. */
  base: number;
}
export interface ClientsResult {
  /** arrival[c * total + i]: when client c parsed event i (ms after base); NaN if never. */
  arrival: Float64Array;
  duplicates: number;
  /** Events whose `id:` was not above the previous one of the same client. */
  outOfOrder: number;
  /** Events that are not one of the expected captures. */
  other: number;
  /** Events of the first client whose data is not the capture its sequence stands for. */
  wrongData: number;
  /** Responses that ended or failed before the finish. */
  ended: number;
  /** Bytes of response body received. */
  bytes: number;
  /** CPU the clients' process spent from `connected` to the finish. */
  cpuMs: number;
}

const SOURCE = new URL('./sse-clients.c', import.meta.url);

/** The compiled clients, built when the source is newer than the last build. */
function binary(): string {
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const bin = join(tmpdir(), `imhub-sse-clients-${hash}`);
  if (existsSync(bin)) return bin;
  const cc = process.env.CC ?? 'cc';
  try {
    execFileSync(cc, ['-O2', '-o', bin, SOURCE.pathname], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    throw new Error(
      `cannot compile bench/sse-clients.c with ${cc} (${(err as Error).message}): ` +
        'bench:sync needs a C compiler for its clients (apt-get install gcc, or set CC)',
    );
  }
  return bin;
}

/** Starts the clients; `connected` resolves once every response has started. */
export function startClients(o: ClientsStart, onProgress: (connected: number) => void) {
  const url = new URL(o.url);
  const arrivalFile = join(tmpdir(), `imhub-sse-arrival-${process.pid}-${Date.now()}`);
  const child: ChildProcess = spawn(
    binary(),
    [
      url.hostname,
      url.port,
      `${url.pathname}${url.search}`,
      String(o.clients),
      String(o.total),
      String(o.firstSeq),
      o.prefix,
      String(o.base),
      arrivalFile,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  let wake = () => {};
  let exit: string | null = null;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('progress ')) onProgress(Number(line.slice(9)));
    else lines.push(line);
    wake();
  });
  // 'close', not 'exit': it comes after the last line of output was read
  child.once('close', (code, signal) => {
    exit = `the clients' process exited (${signal ?? code})`;
    wake();
  });

  async function next(word: string, timeoutMs: number): Promise<string> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) {
        if (line.startsWith('error ')) throw new Error(`clients failed: ${line.slice(6)}`);
        if (line.startsWith(`${word} `)) return line.slice(word.length + 1);
        throw new Error(`clients: unexpected line ${JSON.stringify(line)}`);
      }
      if (exit) throw new Error(`${exit} before sending ${word}`);
      if (performance.now() > until) throw new Error(`no ${word} from the clients within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  }

  return {
    /** Milliseconds the connections took to start. */
    connected: async (timeoutMs: number) => Number(await next('connected', timeoutMs)),
    /** Waits at most `waitMs` for every client to have every event, then reports. */
    async finish(waitMs: number, timeoutMs: number): Promise<ClientsResult> {
      child.stdin!.write(`finish ${waitMs}\n`);
      const result = JSON.parse(await next('result', timeoutMs)) as Omit<ClientsResult, 'arrival'>;
      const bytes = readFileSync(arrivalFile);
      rmSync(arrivalFile, { force: true });
      const arrival = new Float64Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      return { ...result, arrival };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      rmSync(arrivalFile, { force: true });
    },
  };
}
