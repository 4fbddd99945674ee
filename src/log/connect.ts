import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface NatsOptions {
  url: string;
  name?: string;
  user?: string;
  pass?: string;
}

/** Connects with endless reconnects: a restarted nats-server is picked up again by itself. */
export async function connectNats(o: NatsOptions) {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: o.url.split(','),
      name: o.name ?? 'im-hub',
      user: o.user,
      pass: o.pass,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
  } catch (e) {
    throw new Error(
      `cannot reach NATS at ${o.url}: ${(e as Error).message}. Start nats-server with JetStream (nats-server -js) or set NATS_URL.`,
      { cause: e },
    );
  }
  const jsm = await jetstreamManager(nc).catch((e: Error) => {
    throw new Error(`NATS at ${o.url} has no JetStream: ${e.message}. Start nats-server with -js.`, {
      cause: e,
    });
  });
  return { nc, jsm, js: jetstream(nc) };
}
export type Nats = Awaited<ReturnType<typeof connectNats>>;
