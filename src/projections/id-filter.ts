/**
 * A Bloom filter of string ids, of fixed size: `mayHave` is false only for an id never added,
 * and true for every id added (and, rarely, for one not added). A bulk replay into empty tables
 * keeps the ids of the messages it has written in one, so that a batch reads back only the
 * messages that may exist: most of its events capture new ones.
 *
 * With the default 2^26 bits (8 MiB) and 5 probes, an id not added answers true with a
 * probability of about 2·10⁻⁶ after a million ids and 4% after ten million: the memory stays
 * the same however long the log; only the share of needless reads grows.
 */
export class IdFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;

  constructor(
    log2Bits = 26,
    private readonly probes = 5,
  ) {
    if (!Number.isInteger(log2Bits) || log2Bits < 5 || log2Bits > 32) {
      throw new Error('an id filter has 2^5 to 2^32 bits');
    }
    this.bits = new Uint32Array(2 ** (log2Bits - 5));
    this.mask = log2Bits === 32 ? 0xffffffff : 2 ** log2Bits - 1;
  }

  add(id: string): void {
    let [h, step] = hashes(id);
    for (let i = 0; i < this.probes; i++) {
      const bit = (h & this.mask) >>> 0;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
      h = (h + step) >>> 0;
    }
  }

  mayHave(id: string): boolean {
    let [h, step] = hashes(id);
    for (let i = 0; i < this.probes; i++) {
      const bit = (h & this.mask) >>> 0;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      h = (h + step) >>> 0;
    }
    return true;
  }
}

/** Two independent 32-bit hashes of the UTF-16 units (FNV-1a, and a multiply-xorshift one). */
function hashes(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  // an odd step visits distinct bits for every probe
  return [a >>> 0, ((b ^ (b >>> 16)) | 1) >>> 0];
}
