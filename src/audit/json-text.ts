import { isUtf8 } from 'node:buffer';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const isDigit = (c: number) => c >= ZERO && c <= NINE;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
/** JSON whitespace but line breaks: a body with a CR or LF is never embedded in a line. */
const isBlank = (c: number) => c === 0x20 || c === 0x09;
/** After a backslash: `" \ / b f n r t` (and `u`, handled apart). */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const LITERALS = [Buffer.from('true'), Buffer.from('false'), Buffer.from('null')];

/** The end of the string that starts at `i` (an opening quote), or -1. */
function stringEnd(b: Uint8Array, i: number): number {
  for (let j = i + 1; j < b.length; j++) {
    const c = b[j]!;
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = b[j + 1];
      if (e === undefined) return -1;
      if (e === 0x75) {
        for (let k = j + 2; k < j + 6; k++) if (k >= b.length || !isHex(b[k]!)) return -1;
        j += 5;
      } else if (SIMPLE_ESCAPES.has(e)) j += 1;
      else return -1;
    }
  }
  return -1;
}

/** The end of the number that starts at `i`, or -1. */
function numberEnd(b: Uint8Array, i: number): number {
  let j = i;
  if (b[j] === MINUS) j++;
  if (b[j] === ZERO) j++;
  else if (j < b.length && isDigit(b[j]!) && b[j] !== ZERO) while (j < b.length && isDigit(b[j]!)) j++;
  else return -1;
  if (b[j] === DOT) {
    j++;
    if (!(j < b.length && isDigit(b[j]!))) return -1;
    while (j < b.length && isDigit(b[j]!)) j++;
  }
  if (b[j] === 0x65 || b[j] === 0x45) {
    j++;
    if (b[j] === PLUS || b[j] === MINUS) j++;
    if (!(j < b.length && isDigit(b[j]!))) return -1;
    while (j < b.length && isDigit(b[j]!)) j++;
  }
  return j;
}

/** The end of the literal (`true`, `false`, `null`) at `i`, or -1. */
function literalEnd(b: Uint8Array, i: number): number {
  for (const word of LITERALS) {
    if (b[i] !== word[0]) continue;
    for (let k = 1; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
    return i + word.length;
  }
  return -1;
}

/** The end of the scalar value at `i` (string, number, literal), or -1. */
function scalarEnd(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === QUOTE) return stringEnd(b, i);
  if (c === MINUS || (c !== undefined && isDigit(c))) return numberEnd(b, i);
  return literalEnd(b, i);
}

const skipBlanks = (b: Uint8Array, i: number) => {
  while (i < b.length && isBlank(b[i]!)) i++;
  return i;
};

/**
 * Whether the bytes are one JSON text on one line: valid UTF-8, exactly what `JSON.parse`
 * accepts, and no CR or LF anywhere. Checked byte by byte without building the value, so an
 * export can embed a stored body verbatim at a fraction of the cost of decoding and parsing it.
 *
 * @example isOneLineJson(Buffer.from('{"a":[1,true]}')) // true
 */
export function isOneLineJson(b: Uint8Array): boolean {
  if (!isUtf8(b)) return false;
  /** The open containers, innermost last: true for an object. */
  const open: boolean[] = [];
  /** Where the next value starts; -1 once the text is found malformed. */
  let i = skipBlanks(b, 0);
  while (i >= 0) {
    const c = b[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const isObject = c === OPEN_OBJECT;
      i = skipBlanks(b, i + 1);
      if (b[i] !== (isObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        open.push(isObject);
        i = isObject ? member(b, i) : i;
        continue; // its first value
      }
      i++; // empty: a complete value
    } else {
      i = scalarEnd(b, i);
      if (i < 0) return false;
    }
    const next = afterValue(b, i, open);
    if (next === 'end') return true;
    i = next;
  }
  return false;
}

/**
 * After a complete value at `i`: closes the containers it ends, and returns where the next
 * value starts (after a comma, and a member's key), 'end' when the text ends well there, or -1.
 */
function afterValue(b: Uint8Array, i: number, open: boolean[]): number | 'end' {
  for (;;) {
    i = skipBlanks(b, i);
    if (open.length === 0) return i === b.length ? 'end' : -1;
    const inObject = open[open.length - 1]!;
    if (b[i] === COMMA) {
      const next = skipBlanks(b, i + 1);
      return inObject ? member(b, next) : next;
    }
    if (b[i] !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) return -1;
    open.pop();
    i++;
  }
}

/** A member's key and colon at `i`: the position of its value, or -1. */
function member(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) return -1;
  const end = stringEnd(b, i);
  if (end < 0) return -1;
  const j = skipBlanks(b, end);
  return b[j] === COLON ? skipBlanks(b, j + 1) : -1;
}
