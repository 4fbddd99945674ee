import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

// Private servers for the fault tests: they stop and restart these, never the shared ones.

const run = promisify(execFile);

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on the port. */
export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(500);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(port, '127.0.0.1');
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PrivateNats {
  url: string;
  port: number;
  /** Starts it again on the same port with the same JetStream store. */
  start(): Promise<void>;
  /** SIGKILL (a crash) or SIGTERM (a clean stop); resolves once the port is closed. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  destroy(): Promise<void>;
}

export interface NatsServerOptions {
  /**
   * A configuration file's text instead of command-line flags, given the port and the store
   * folder; `files` are copied next to it (for its `include`s), `env` is the server's environment.
   */
  config?: (port: number, store: string) => string;
  files?: string[];
  env?: Record<string, string>;
}

/** Debian's `nats-server` with JetStream, on a free port, its store in a temporary folder. */
export async function startNats(options: NatsServerOptions = {}): Promise<PrivateNats> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'im-hub-nats-'));
  let args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store];
  if (options.config) {
    const dir = mkdtempSync(join(tmpdir(), 'im-hub-nats-conf-'));
    for (const f of options.files ?? []) copyFileSync(f, join(dir, basename(f)));
    writeFileSync(join(dir, 'server.conf'), options.config(port, store));
    args = ['-c', join(dir, 'server.conf')];
  }
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const server: PrivateNats = {
    url: `nats://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('nats-server', args, { stdio: 'ignore', env: { ...process.env, ...options.env } });
      const c = child;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      await until(`nats-server on ${port}`, () => answers(port));
    },
    async stop(signal = 'SIGKILL') {
      child?.kill(signal);
      await exited;
      child = null;
      await until(`nats-server on ${port} to close`, async () => !(await answers(port)));
    },
    async destroy() {
      if (child) await server.stop();
      rmSync(store, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

export interface PrivatePostgres {
  /** The server's `postgres` database. */
  url: string;
  port: number;
  start(): Promise<void>;
  /** `immediate` is a crash (no checkpoint), `fast` a clean shutdown that ends every session. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error(`no initdb under ${root}: install PostgreSQL's server package (Debian: postgresql)`);
}

/**
 * A PostgreSQL cluster of its own (initdb, pg_ctl) on a free port, trust authentication, in a
 * temporary folder. As root the server runs as the `postgres` user, which initdb requires.
 */
export async function startPostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'im-hub-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(dir, 0o700);
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  await pg('initdb', [
    '-D',
    dir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c max_connections=50',
  ].join(' ');
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pg('pg_ctl', ['-D', dir, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
    },
    async stop(mode = 'fast') {
      await pg('pg_ctl', ['-D', dir, '-m', mode, '-w', 'stop']);
    },
    async destroy() {
      await server.stop('immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

export interface PrivateNatsCluster {
  /** Every node's client URL, comma-separated: what NATS_URL takes. */
  url: string;
  nodes: (PrivateNats & { name: string })[];
  destroy(): Promise<void>;
}

/**
 * A JetStream cluster of `size` local nats-server processes (names n1…), each with its own
 * client port, route port and store, routed to one another; resolves once JetStream answers
 * (a meta leader is elected).
 */
export async function startNatsCluster(size = 3): Promise<PrivateNatsCluster> {
  const ports = await Promise.all(
    Array.from({ length: size }, async () => [await freePort(), await freePort()]),
  );
  const root = mkdtempSync(join(tmpdir(), 'im-hub-nats-cluster-'));
  const routes = ports.map(([, route]) => `nats-route://127.0.0.1:${route}`);
  const nodes = ports.map(([port, route], i) => {
    const name = `n${i + 1}`;
    const config = join(root, `${name}.conf`);
    writeFileSync(
      config,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${port}`,
        `jetstream { store_dir: "${join(root, name)}" }`,
        'cluster {',
        '  name: im-hub-test',
        `  listen: 127.0.0.1:${route}`,
        `  routes: [${routes.filter((_, j) => j !== i).join(', ')}]`,
        '}',
        '',
      ].join('\n'),
    );
    let child: ChildProcess | null = null;
    let exited: Promise<void> = Promise.resolve();
    const node = {
      name,
      url: `nats://127.0.0.1:${port}`,
      port: port!,
      async start() {
        child = spawn('nats-server', ['-c', config], { stdio: 'ignore' });
        const c = child;
        exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        await until(`nats-server ${name} on ${port}`, () => answers(port!));
      },
      async stop(signal: NodeJS.Signals = 'SIGKILL') {
        child?.kill(signal);
        await exited;
        child = null;
        await until(`nats-server ${name} to close`, async () => !(await answers(port!)));
      },
      async destroy() {
        if (child) await node.stop();
      },
    };
    return node;
  });
  await Promise.all(nodes.map((n) => n.start()));
  const cluster: PrivateNatsCluster = {
    url: nodes.map((n) => n.url).join(','),
    nodes,
    async destroy() {
      await Promise.all(nodes.map((n) => n.destroy()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}
