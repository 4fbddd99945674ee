import { createHash } from 'node:crypto';
import type { TestLog } from './env.js';

/** Nanoseconds of the JetStream API's RFC 3339 UTC time, written out here from the definition. */
function nanos(time: string): bigint {
  const [whole, fraction = ''] = time.replace(/Z$/, '').split('.');
  return BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

/**
 * The audit chain of a whole stream, computed independently of `src/`: each message fetched by
 * sequence with the JetStream API (not read by a consumer), hashed as the README defines it.
 * `hashes[seq]` is the hash up to `seq`; `hashes[0]` is the genesis (32 zero bytes).
 */
export async function recomputeChain(log: TestLog): Promise<string[]> {
  const last = (await log.jsm.streams.info(log.stream)).state.last_seq;
  const hashes = ['0'.repeat(64)];
  for (let seq = 1; seq <= last; seq++) {
    const m = await log.jsm.streams.getMessage(log.stream, { seq });
    if (!m) throw new Error(`sequence ${seq} is missing from the stream`);
    const line = Buffer.from(`${seq} ${nanos(m.timestamp)} ${m.subject} ${m.data.length}\n`, 'utf8');
    const prev = Buffer.from(hashes[seq - 1]!, 'hex');
    hashes.push(
      createHash('sha256')
        .update(Buffer.concat([prev, line, Buffer.from(m.data)]))
        .digest('hex'),
    );
  }
  return hashes;
}
