import type { JetStreamClient } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';

/**
 * Where each client device has got to in an account's changes (the brief's
 * `client_sync_records`). Kept in a JetStream key-value bucket next to the log rather than in
 * Postgres: the read models can be dropped and rebuilt from the log at any time, and a
 * rebuild must not send every device back to the beginning.
 */
export interface DeviceCursor {
  device_id: string;
  account_id: string;
  /** Every change up to this stream sequence is applied on the device. */
  cursor: number;
  /** When the device last acknowledged a cursor (epoch ms); null before its first ack. */
  acked_at: number | null;
  /** When the device last synced or acknowledged (epoch ms). */
  last_seen_at: number;
}

export interface DeviceCursors {
  get(accountId: string, deviceId: string): Promise<DeviceCursor | null>;
  /** Moves the device's cursor forward (never back) and returns what is stored. */
  ack(accountId: string, deviceId: string, cursor: number, now: number): Promise<DeviceCursor>;
  /** Records that the device synced; creates it at cursor 0 when it is new. */
  touch(accountId: string, deviceId: string, now: number): Promise<DeviceCursor>;
  list(accountId: string): Promise<DeviceCursor[]>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
/** Key tokens must be `[-_=A-Za-z0-9]`: base64url of the ids keeps any id (Chinese, dots) safe. */
const keyOf = (accountId: string, deviceId: string) => `${b64(accountId)}.${b64(deviceId)}`;

/** The bucket that belongs to a stream. */
export const devicesBucket = (stream: string) => `${stream}_DEVICES`;

export async function openDeviceCursors(js: JetStreamClient, bucket: string): Promise<DeviceCursors> {
  const kv = await new Kvm(js).create(bucket, { history: 1 });
  return createDeviceCursors(kv);
}

function createDeviceCursors(kv: KV): DeviceCursors {
  async function read(key: string) {
    const e = await kv.get(key);
    if (e?.operation !== 'PUT') return null;
    return { value: e.json<DeviceCursor>(), revision: e.revision };
  }

  /** Compare-and-set on the entry's revision, retried when another request won the race. */
  async function change(
    accountId: string,
    deviceId: string,
    next: (current: DeviceCursor | null) => DeviceCursor,
  ): Promise<DeviceCursor> {
    const key = keyOf(accountId, deviceId);
    for (let attempt = 0; ; attempt++) {
      const current = await read(key);
      const value = next(current?.value ?? null);
      try {
        const data = JSON.stringify(value);
        if (current) await kv.update(key, data, current.revision);
        else await kv.create(key, data);
        return value;
      } catch (err) {
        // wrong last sequence: someone else wrote first; read again
        if (attempt >= 20) throw err;
      }
    }
  }

  return {
    async get(accountId, deviceId) {
      return (await read(keyOf(accountId, deviceId)))?.value ?? null;
    },
    ack(accountId, deviceId, cursor, now) {
      return change(accountId, deviceId, (c) => ({
        device_id: deviceId,
        account_id: accountId,
        cursor: Math.max(cursor, c?.cursor ?? 0),
        acked_at: now,
        last_seen_at: now,
      }));
    },
    touch(accountId, deviceId, now) {
      return change(accountId, deviceId, (c) => ({
        device_id: deviceId,
        account_id: accountId,
        cursor: c?.cursor ?? 0,
        acked_at: c?.acked_at ?? null,
        last_seen_at: now,
      }));
    },
    async list(accountId) {
      const keys = await kv.keys(`${b64(accountId)}.*`);
      const out: DeviceCursor[] = [];
      for await (const key of keys) {
        const d = await read(key);
        if (d) out.push(d.value);
      }
      return out.sort((a, b) => b.last_seen_at - a.last_seen_at || (a.device_id < b.device_id ? -1 : 1));
    },
  };
}
