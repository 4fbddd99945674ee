import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy for tests: it forwards each connection it accepts to `target`, byte for byte, so a
 * test can cut a client's connections (as a network drop would) without touching the server.
 */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** How many connections the proxy has accepted. */
  accepted(): number;
  /** The first bytes each client sent (for HTTP: the request head), in order of forwarding. */
  heads: string[];
  /** Destroys every open connection, on both sides; the proxy keeps listening. */
  cut(): void;
  /** New connections wait, unforwarded, until `release()` (the network is down). */
  hold(): void;
  /** Forwards the waiting connections and every new one again. */
  release(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const heads: string[] = [];
  let accepted = 0;
  let waiting: (() => void)[] | undefined;

  const track = (s: Socket, peer: () => Socket | undefined) => {
    open.add(s);
    s.on('error', () => {});
    s.on('close', () => {
      open.delete(s);
      peer()?.destroy();
    });
  };

  const server = createServer((client) => {
    accepted++;
    let upstream: Socket | undefined;
    track(client, () => upstream);
    const forward = () => {
      if (client.destroyed) return;
      const up = connect(target.port, target.host);
      upstream = up;
      track(up, () => client);
      // both listeners are added in this tick, so the first chunk reaches both
      client.once('data', (chunk: Buffer) => heads.push(chunk.toString('latin1')));
      client.pipe(up);
      up.pipe(client);
    };
    if (waiting) waiting.push(forward);
    else forward();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    heads,
    cut() {
      for (const s of [...open]) s.destroy();
    },
    hold() {
      waiting ??= [];
    },
    release() {
      const go = waiting ?? [];
      waiting = undefined;
      for (const f of go) f();
    },
    close() {
      waiting = undefined;
      for (const s of [...open]) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
