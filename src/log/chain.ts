import * as crypto from 'node:crypto';

/**
 * The audit hash chain over the log. Every stored sequence, whatever its body (a valid event,
 * a malformed one, bytes that are not even UTF-8), is one link:
 *
 *     hash(seq) = SHA-256( prev || "<seq> <stored_ns> <subject> <length>\n" || body )
 *
 * - `prev` is the 32 raw bytes of the hash of the previous stored sequence, or 32 zero bytes
 *   before the first one (`GENESIS_HASH`);
 * - the line between is ASCII: the stream sequence and the time the log stored the message
 *   (nanoseconds since the epoch, as JetStream records it), both in decimal, the subject
 *   (UTF-8; a NATS subject has no spaces) and the body's length in bytes, separated by single
 *   spaces and ended by one line feed;
 * - `body` is the message data exactly as stored, byte for byte.
 *
 * Hashes are written as 64 lowercase hexadecimal digits. This module is pure (no NATS, no
 * database), so an auditor's tool needs only the exported lines to recompute the chain.
 *
 * @example
 * let prev = GENESIS_HASH;
 * for (const e of entries) prev = chainHash(prev, e); // e: { seq, storedNs, subject, data }
 */
export const GENESIS_HASH = '0'.repeat(64);

/** One stored message as the chain sees it. */
export interface ChainEntry {
  seq: number;
  /** When the log stored it, in nanoseconds since the epoch. */
  storedNs: bigint;
  subject: string;
  data: Uint8Array;
}

const HEX = /^[0-9a-f]{64}$/;

export function isChainHash(s: unknown): s is string {
  return typeof s === 'string' && HEX.test(s);
}

/** One-shot hashing of a buffer (Node ≥ 20.12), else a `Hash` object. */
const sha256Hex: (data: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** Where each link's input is put together: one buffer, grown as a longer body needs it. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** The hash of `entry` linked after `prevHash` (both as 64 hex digits). */
export function chainHash(prevHash: string, entry: ChainEntry): string {
  const line = `${entry.seq} ${entry.storedNs} ${entry.subject} ${entry.data.length}\n`;
  const most = 32 + line.length * 3 + entry.data.length; // UTF-8: at most 3 bytes per UTF-16 unit
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2));
  if (scratch.write(prevHash, 0, 32, 'hex') !== 32) throw new Error(`not a chain hash: ${prevHash}`);
  const at = 32 + scratch.write(line, 32, 'utf8');
  scratch.set(entry.data, at);
  return sha256Hex(scratch.subarray(0, at + entry.data.length));
}

const NS_PER_MS = 1_000_000n;

/** Milliseconds since the epoch of a time in nanoseconds (rounded down). */
export function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Nanoseconds since the epoch of an RFC 3339 time with up to nine fractional digits, as the
 * JetStream API writes a stored message's time (`2025-10-22T08:00:00.123456789Z`). `Date`
 * keeps only milliseconds, so the fraction is added separately.
 */
export function rfc3339ToNs(time: string): bigint {
  const m = RFC3339.exec(time);
  if (!m) throw new Error(`not an RFC 3339 time: ${JSON.stringify(time)}`);
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) throw new Error(`not an RFC 3339 time: ${JSON.stringify(time)}`);
  const fraction = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(seconds) * NS_PER_MS + fraction;
}
