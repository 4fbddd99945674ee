import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationId, HUB_ACCOUNT, type HubEvent } from '../src/events/index.js';
import { connectNats, type Nats } from '../src/log/connect.js';
import { createPublisher } from '../src/log/publisher.js';
import { createSubjects } from '../src/log/subjects.js';
import { createReplyWorker, type ReplyWorker } from '../src/worker/index.js';
import { bearer, createTestDatabase, eventually, insertTestKey, type TestKey } from './support/env.js';
import { cleanups, runCleanups, startService } from './support/faults.js';
import { type PrivateNats, startNats } from './support/servers.js';

// nats-server with the repository's own nats-auth.conf: no anonymous access, the hub may do
// everything, a worker only what workers do. The stream and subjects are the defaults
// (IMHUB_EVENTS, imhub.events), which the permissions name.

const AUTH = fileURLToPath(new URL('../nats-auth.conf', import.meta.url));
const PASSWORDS = { IMHUB_NATS_PASSWORD: 'hub-secret', IMHUB_WORKER_PASSWORD: 'worker-secret' };
const STREAM = 'IMHUB_EVENTS';
const subjects = createSubjects('imhub.events');
const A = 'dy_10001';
const T0 = Date.UTC(2026, 10, 1);

let server: PrivateNats;
let port: number;
let worker: Nats;
let hub: Nats;
let replies: ReplyWorker | undefined;
let key: TestKey;

function capture(n: number): HubEvent {
  return {
    event_id: `perm-c-${n}`,
    type: 'MessageCaptured',
    schema_version: 2,
    account_id: A,
    occurred_at: T0 + n,
    captured_at: T0 + n + 100,
    payload: {
      platform_message_id: `perm-m-${n}`,
      channel: 'direct',
      conversation_id: '私信_小美',
      direction: 'inbound',
      sender: { platform_user_id: '粉丝_小美', name: '小美' },
      content: `在吗？第${n}条`,
      message_type: 'text',
      created_at: T0 + n,
      captured_by: 'worker-1',
    },
  };
}

const messages = async () => (await hub.jsm.streams.info(STREAM)).state.messages;

beforeAll(async () => {
  server = await startNats({
    config: (p, store) =>
      `listen: 127.0.0.1:${p}\njetstream { store_dir: "${store}" }\ninclude ./nats-auth.conf\n`,
    files: [AUTH],
    env: PASSWORDS,
  });
  const db = await createTestDatabase('nats_permissions');
  cleanups.push(() => db.drop());
  key = await insertTestKey(db, { role: 'operator', name: 'perm-ops' });
  ({ port } = await startService({
    DATABASE_URL: db.url,
    NATS_URL: server.url,
    NATS_USER: 'hub',
    NATS_PASSWORD: PASSWORDS.IMHUB_NATS_PASSWORD,
  }));
  hub = await connectNats({ url: server.url, user: 'hub', pass: PASSWORDS.IMHUB_NATS_PASSWORD });
  worker = await connectNats({ url: server.url, user: 'worker', pass: PASSWORDS.IMHUB_WORKER_PASSWORD });
});

afterAll(async () => {
  await replies?.stop();
  await worker?.nc.close();
  await hub?.nc.close();
  await runCleanups();
  await server?.destroy();
});

describe('NATS permissions (nats-auth.conf)', () => {
  it('refuses a connection without a user, or with a wrong password', async () => {
    await expect(connectNats({ url: server.url })).rejects.toThrow(/Authorization Violation/i);
    await expect(connectNats({ url: server.url, user: 'worker', pass: 'guess' })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });

  it('lets a worker append what it observes', async () => {
    const publisher = createPublisher({ js: worker.js, stream: STREAM, subjects, timeoutMs: 2000 });
    const before = await messages();
    const r = await publisher.publish(capture(1));
    expect(r.duplicate).toBe(false);
    expect(await messages()).toBe(before + 1);
  });

  it('refuses a worker an operator action, a reply request or an account change, and stores nothing', async () => {
    const before = await messages();
    const base = { schema_version: 1, account_id: A, occurred_at: T0, captured_at: T0 } as const;
    const forged: HubEvent[] = [
      {
        ...base,
        event_id: 'perm-read',
        type: 'ConversationMarkedRead',
        payload: {
          conversation_id: conversationId(A, 'direct', '私信_小美'),
          read_at: T0,
          read_by: 'worker',
        },
      } as unknown as HubEvent,
      {
        ...base,
        event_id: 'perm-account',
        type: 'AccountRemoved',
        payload: { removed_by: 'worker' },
      } as unknown as HubEvent,
    ];
    for (const e of forged) {
      const subject = subjects.event(A, e.type as never);
      await expect(worker.js.publish(subject, JSON.stringify(e), { timeout: 2000 })).rejects.toThrow(
        /Permissions Violation/,
      );
    }
    await expect(
      worker.js.publish(subjects.event(A, 'ReplyRequested'), '{}', { timeout: 2000 }),
    ).rejects.toThrow(/Permissions Violation/);
    // nor an API key of its own
    for (const type of ['ApiKeyCreated', 'ApiKeyRevoked'] as const) {
      await expect(
        worker.js.publish(subjects.event(HUB_ACCOUNT, type), '{}', { timeout: 2000 }),
      ).rejects.toThrow(/Permissions Violation/);
    }
    expect(await messages()).toBe(before);
  });

  it('refuses a worker deleting or purging the stream, or reading it with a consumer of its own', async () => {
    await expect(worker.jsm.streams.delete(STREAM)).rejects.toThrow(/Permissions Violation/);
    await expect(worker.jsm.streams.purge(STREAM)).rejects.toThrow(/Permissions Violation/);
    // a consumer of everything, or of another kind of event, is refused
    await expect(
      worker.jsm.consumers.add(STREAM, { durable_name: 'spy', ack_policy: 'explicit' as never }),
    ).rejects.toThrow();
    await expect(
      worker.jsm.consumers.add(STREAM, {
        durable_name: 'spy',
        ack_policy: 'explicit' as never,
        filter_subject: subjects.event(A, 'MessageCaptured'),
      }),
    ).rejects.toThrow();
    await expect(worker.jsm.consumers.list(STREAM).next()).rejects.toThrow();
    const info = await hub.jsm.streams.info(STREAM);
    expect(info.state.messages).toBeGreaterThan(0);
    expect(info.config.deny_delete).toBe(true);
  });

  it('lets a worker take its reply commands and report them: a reply round-trips', async () => {
    replies = await createReplyWorker(
      {
        js: worker.js,
        stream: STREAM,
        subjects,
        accountId: A,
        send: async (cmd) => ({ platform_message_id: `sent_${cmd.reply_id.slice(2, 10)}` }),
      },
      { ackWaitMs: 5000, retryDelayMs: 100 },
    );
    const conversation = conversationId(A, 'direct', '私信_小美');
    const url = `http://127.0.0.1:${port}/api/v1`;
    await eventually(async () => {
      const r = await fetch(`${url}/conversations?account_id=${A}`, { headers: bearer(key) });
      const body = (await r.json()) as { conversations: { id: string }[] };
      return body.conversations.some((c) => c.id === conversation) ? true : undefined;
    }, 'the captured conversation');
    const asked = await fetch(`${url}/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'perm-1', ...bearer(key) },
      body: JSON.stringify({ account_id: A, conversation_id: conversation, content: '在的，您好' }),
    });
    expect(asked.status).toBe(201);
    const { reply } = (await asked.json()) as { reply: { reply_id: string } };
    const done = await eventually(async () => {
      const r = (await (
        await fetch(`${url}/replies/${reply.reply_id}`, { headers: bearer(key) })
      ).json()) as {
        status: string;
      };
      return r.status === 'pending' ? undefined : r;
    }, 'the reply to be reported');
    expect(done).toMatchObject({ status: 'sent' });
  });
});
