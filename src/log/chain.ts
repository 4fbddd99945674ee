import { createHash } from 'node:crypto';

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

/** The hash of `entry` linked after `prevHash` (both as 64 hex digits). */
export function chainHash(prevHash: string, entry: ChainEntry): string {
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(`${entry.seq} ${entry.storedNs} ${entry.subject} ${entry.data.length}\n`, 'utf8')
    .update(entry.data)
    .digest('hex');
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
