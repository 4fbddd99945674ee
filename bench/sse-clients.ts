/**
 * The live-stream clients of bench:sync, in a process of their own (forked by
 * bench/sync.bench.ts), so that they do not share the service's event loop: N Server-Sent
 * Events connections over real HTTP (raw sockets), each parsing its frames and recording, for each expected
 * event, when it arrived. Times are `process.hrtime` (CLOCK_MONOTONIC, the same clock in every
 * process of the machine), in ms after the `base` the parent sends.
 *
 * Protocol (IPC, advanced serialization): parent → `start`; child → `connected` once every
 * response has started; parent → `finish`; child → `result`, then exits.
 */
import { connect, type Socket } from 'node:net';

export interface ClientsStart {
  type: 'start';
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
  base: number;
}
export interface ClientsFinish {
  type: 'finish';
  /** Wait at most this long for every client to have every event. */
  timeoutMs: number;
}
export interface ClientsResult {
  type: 'result';
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
  cpuMs: number;
}
export type ClientsMessage =
  | { type: 'connected'; ms: number }
  | { type: 'progress'; connected: number }
  | { type: 'error'; message: string }
  | ClientsResult;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const send = (m: ClientsMessage) =>
  new Promise<void>((resolve, reject) => {
    process.send!(m, undefined, undefined, (err) => (err ? reject(err) : resolve()));
  });

process.once('message', (m: ClientsStart) => {
  run(m).catch((err: Error) => {
    void send({ type: 'error', message: err.stack ?? err.message }).finally(() => process.exit(1));
  });
});

async function run(o: ClientsStart) {
  const arrival = new Float64Array(o.clients * o.total).fill(Number.NaN);
  const got = new Int32Array(o.clients);
  let duplicates = 0;
  let outOfOrder = 0;
  let other = 0;
  let wrongData = 0;
  let ended = 0;
  let finishing = false;
  const sockets: Socket[] = [];
  let onEvent = () => {};

  // Frames are scanned as bytes, line by line (a newline is found by memchr): only the
  // sequence and the event name are read, so the clients' process spends its time on the
  // sockets, not on decoding the Chinese text. The first client also finds the message id in
  // each event's data, to check that every sequence carries the capture it stands for.
  const ID = Buffer.from('id: ');
  const EVENT = Buffer.from('event: ');
  const CREATED = Buffer.from('event: message.created');
  const DATA = Buffer.from('data: ');
  const MARK = Buffer.from(`"platform_message_id":"${o.prefix}`);
  // a plain loop: Buffer#compare with offsets costs more than the few bytes it compares
  const starts = (buf: Buffer, at: number, end: number, what: Buffer) => {
    if (end - at < what.length) return false;
    for (let i = 0; i < what.length; i++) if (buf[at + i] !== what[i]) return false;
    return true;
  };
  const digits = (buf: Buffer, at: number, end: number) => {
    let n = 0;
    let i = at;
    for (; i < end && buf[i]! >= 48 && buf[i]! <= 57; i++) n = n * 10 + buf[i]! - 48;
    return i === at ? -1 : n;
  };
  let bytes = 0;

  function deliver(
    c: number,
    seq: number,
    created: boolean,
    index: number,
    at: number,
    state: { lastSeq: number },
  ) {
    if (seq <= state.lastSeq) outOfOrder++;
    state.lastSeq = seq;
    const i = seq - o.firstSeq;
    if (c === 0 && index !== i) wrongData++;
    if (!created || !(i >= 0 && i < o.total)) {
      other++;
      return;
    }
    const k = c * o.total + i;
    if (Number.isNaN(arrival[k]!)) {
      arrival[k] = at;
      got[c]!++;
      if (got[c] === o.total) onEvent();
    } else duplicates++;
  }

  /** Parses the whole frames of `buf`; returns where the unfinished one starts. */
  function frames(c: number, buf: Buffer, at: number, state: { lastSeq: number }): number {
    let frame = 0;
    let line = 0;
    let seq = -1;
    let created = false;
    let index = -1;
    for (let nl = buf.indexOf(10, line); nl >= 0; nl = buf.indexOf(10, line)) {
      if (nl === line) {
        // a blank line ends the frame (`retry:` and `: heartbeat` frames have no id)
        if (seq >= 0) deliver(c, seq, created, index, at, state);
        seq = -1;
        created = false;
        index = -1;
        frame = nl + 1;
      } else if (starts(buf, line, nl, ID)) seq = digits(buf, line + ID.length, nl);
      else if (starts(buf, line, nl, EVENT))
        created = nl - line === CREATED.length && starts(buf, line, nl, CREATED);
      else if (c === 0 && starts(buf, line, nl, DATA)) {
        const p = buf.indexOf(MARK, line);
        if (p >= 0 && p < nl) index = digits(buf, p + MARK.length, nl);
      }
      line = nl + 1;
    }
    return frame;
  }

  /**
   * One client: a raw socket speaking just enough HTTP/1.1 (a GET, the status line, a chunked
   * body), since node:http's per-chunk machinery would cost the clients' process more than
   * the parsing itself. A frame split across reads or chunks is joined before it is parsed.
   */
  function open(c: number): Promise<void> {
    const url = new URL(o.url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) });
      sockets.push(socket);
      const state = { lastSeq: 0 };
      let head: Buffer | null = Buffer.alloc(0);
      let size = ''; // the chunk-size line read so far
      let left = 0; // bytes of the current chunk still to come
      let skip = 0; // the CRLF after a chunk
      let rest: Buffer | null = null; // an unfinished frame
      socket.once('connect', () => {
        socket.write(
          `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`,
        );
      });
      socket.on('data', (data: Buffer) => {
        const at = now() - o.base;
        let pos = 0;
        if (head) {
          const all: Buffer = Buffer.concat([head, data]);
          const end = all.indexOf('\r\n\r\n');
          if (end < 0) {
            head = all;
            return;
          }
          const headers = all.toString('latin1', 0, end).toLowerCase();
          head = null;
          if (!headers.startsWith('http/1.1 200') || !headers.includes('transfer-encoding: chunked')) {
            reject(new Error(`client ${c}: ${headers.split('\r\n')[0]} (want 200, chunked)`));
            socket.destroy();
            return;
          }
          resolve();
          data = all.subarray(end + 4);
        }
        const body: Buffer[] = [];
        while (pos < data.length) {
          if (skip > 0) {
            const n = Math.min(skip, data.length - pos);
            skip -= n;
            pos += n;
          } else if (left > 0) {
            const n = Math.min(left, data.length - pos);
            body.push(data.subarray(pos, pos + n));
            left -= n;
            pos += n;
            if (left === 0) skip = 2;
          } else {
            const nl = data.indexOf(10, pos);
            size += data.toString('latin1', pos, nl < 0 ? data.length : nl);
            if (nl < 0) break;
            pos = nl + 1;
            left = Number.parseInt(size, 16);
            size = '';
            if (!(left > 0)) break; // the last chunk: the response ended
          }
        }
        for (const b of body) bytes += b.length;
        if (body.length === 0) return;
        const buf = rest || body.length > 1 ? Buffer.concat(rest ? [rest, ...body] : body) : body[0]!;
        const end = frames(c, buf, at, state);
        rest = end < buf.length ? buf.subarray(end) : null;
      });
      const gone = () => {
        if (!finishing) ended++;
      };
      socket.once('close', gone);
      socket.on('error', reject);
    });
  }

  // Connect in waves (the server's accept backlog is finite).
  const t0 = now();
  const wave = 50;
  for (let c = 0; c < o.clients; c += wave) {
    await Promise.all(Array.from({ length: Math.min(wave, o.clients - c) }, (_, k) => open(c + k)));
    await send({ type: 'progress', connected: Math.min(o.clients, c + wave) });
  }
  await send({ type: 'connected', ms: now() - t0 });
  const cpu0 = process.cpuUsage();

  const finish = await new Promise<ClientsFinish>((resolve) => {
    process.once('message', resolve);
  });
  const complete = () => got.every((n) => n === o.total);
  if (!complete()) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, finish.timeoutMs);
      onEvent = () => {
        if (complete()) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
  }
  finishing = true;
  const cpu = process.cpuUsage(cpu0);
  for (const s of sockets) s.destroy();
  await send({
    type: 'result',
    arrival,
    duplicates,
    outOfOrder,
    other,
    wrongData,
    ended,
    bytes,
    cpuMs: (cpu.user + cpu.system) / 1000,
  });
  process.disconnect();
}
