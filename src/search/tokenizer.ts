/**
 * Chinese-aware tokens for Postgres full-text search, computed in the application so that
 * a stock Postgres needs no extension.
 *
 * Text is normalised (NFKC, lower case: full-width and half-width forms are equal) and cut
 * into units, each at its own position:
 * - a run of letters and digits of non-CJK scripts is one unit (`iphone15`, `2025`);
 * - every CJK character (Han, kana, Hangul) is one unit;
 * - every other visible character (punctuation, symbols, emoji) is one unit;
 * - a run of white space is one unit with no lexeme.
 * Every unit but white space is a lexeme at its position, and every two adjacent CJK
 * characters are also a bigram lexeme at the first one's position (as Elasticsearch's
 * `cjk_bigram` does). A query is turned into the same units and matched as a phrase with the
 * exact distances, so a Chinese query matches exactly the texts that contain it.
 */

export type UnitKind = 'cjk' | 'word' | 'symbol' | 'space';

export interface Unit {
  kind: UnitKind;
  text: string;
  /** 1-based position. */
  pos: number;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORD = /[\p{L}\p{N}\p{M}]/u;
const SPACE = /\s/u;

/** The form both documents and queries are compared in. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function classify(ch: string): UnitKind {
  if (CJK.test(ch)) return 'cjk';
  if (WORD.test(ch)) return 'word';
  if (SPACE.test(ch)) return 'space';
  return 'symbol';
}

/**
 * The kind of each character seen, remembered: three Unicode property tests per character
 * are most of the tokenizer's time, and a text reuses few distinct characters. Characters of
 * the Basic Multilingual Plane are remembered in a table by code unit (64 KiB); the others, by
 * their text, in a map bounded by the characters in use and cleared past 100,000 just in case.
 */
const KINDS: readonly UnitKind[] = ['cjk', 'word', 'symbol', 'space'];
/** Kind codes: 1 + the index in `KINDS` (0 in the table is "not seen yet"). */
const CJK_K = 1;
const WORD_K = 2;
const SPACE_K = 4;
const bmpKinds = new Uint8Array(0x10000);
const astralKinds = new Map<string, number>();

function kindCode(ch: string): number {
  return KINDS.indexOf(classify(ch)) + 1;
}

/** The kind of the character of `len` code units at `i` of `s`, as a code (`CJK_K` …). */
function kindAt(s: string, i: number, len: number): number {
  if (len === 1) {
    const c = s.charCodeAt(i);
    let k = bmpKinds[c]!;
    if (k === 0) {
      k = kindCode(s[i]!);
      bmpKinds[c] = k;
    }
    return k;
  }
  const ch = s.slice(i, i + len);
  let k = astralKinds.get(ch);
  if (k === undefined) {
    if (astralKinds.size >= 100_000) astralKinds.clear();
    k = kindCode(ch);
    astralKinds.set(ch, k);
  }
  return k;
}

/** Code units of the character at `i`: 2 for a surrogate pair, else 1. */
function charLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return 1;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
}

function kindOf(ch: string): UnitKind {
  return KINDS[kindAt(ch, 0, ch.length) - 1]!;
}

/** Cuts normalised text into units (see the module comment). */
export function units(normalized: string): Unit[] {
  // hot: no closures here (each would be allocated per call)
  const out: Unit[] = [];
  let pos = 0;
  let run = '';
  let runKind: UnitKind | null = null;
  for (const ch of normalized) {
    const kind = kindOf(ch);
    if ((kind === 'word' || kind === 'space') && runKind === kind) {
      run += ch;
      continue;
    }
    if (runKind !== null) out.push({ kind: runKind, text: run, pos: ++pos });
    run = '';
    runKind = null;
    if (kind === 'word' || kind === 'space') {
      run = ch;
      runKind = kind;
    } else {
      out.push({ kind, text: ch, pos: ++pos });
    }
  }
  if (runKind !== null) out.push({ kind: runKind, text: run, pos: ++pos });
  return out;
}

/** Postgres keeps positions up to 16383; later units share the last one. */
const MAX_POS = 16_383;

/** A tsvector literal quoting rule: a lexeme in single quotes, quotes and backslashes escaped. */
export function quoteLexeme(lexeme: string): string {
  if (!lexeme.includes("'") && !lexeme.includes('\\')) return `'${lexeme}'`;
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The positions of a lexeme: one number, or an array of two or more (most lexemes occur once,
 * and a tokenizer that runs for every stored message spares an array for each).
 */
type Positions = number | number[];

/** The lexemes of a text with their positions. */
export function lexemes(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [lexeme, ps] of scan(normalize(text)).lexemes)
    out.set(lexeme, typeof ps === 'number' ? [ps] : ps);
  return out;
}

function addPosition(out: Map<string, Positions>, lexeme: string, pos: number): void {
  const p = Math.min(pos, MAX_POS);
  const had = out.get(lexeme);
  if (had === undefined) out.set(lexeme, p);
  else if (typeof had === 'number') {
    if (had !== p) out.set(lexeme, [had, p]);
  } else if (had[had.length - 1] !== p) had.push(p);
}

/**
 * The tsvector literal for a message's content, in Postgres's input syntax.
 *
 * @example searchVector('太好笑了') // "'了':4 '太':1 '太好':1 '好':2 '好笑':2 '笑':3 '笑了':3"
 */
export function searchVector(text: string): string {
  return vectorOf(scan(normalize(text)).lexemes);
}

/**
 * The lexemes of normalised text with their positions, and its words in order: the lexemes of
 * its `units` (see the module comment), in one pass with no unit objects (a projection runs
 * this for every message it stores; `test/tokenizer.test.ts` checks the two agree).
 */
function scan(s: string): { lexemes: Map<string, Positions>; words: string[] } {
  const lexemes = new Map<string, Positions>();
  const words: string[] = [];
  const n = s.length;
  let pos = 0;
  let lastCjk: string | null = null; // the unit before, when it is a CJK character
  let i = 0;
  while (i < n) {
    let len = charLength(s, i);
    const kind = kindAt(s, i, len);
    if (kind === WORD_K || kind === SPACE_K) {
      const start = i;
      i += len;
      while (i < n) {
        len = charLength(s, i);
        if (kindAt(s, i, len) !== kind) break;
        i += len;
      }
      pos++;
      lastCjk = null;
      if (kind === WORD_K) {
        const word = s.slice(start, i);
        words.push(word);
        addPosition(lexemes, word, pos);
      }
      continue;
    }
    const ch = len === 1 ? s[i]! : s.slice(i, i + len);
    i += len;
    pos++;
    if (kind === CJK_K) {
      // the bigram with the CJK character before sits at that one's position, and comes
      // before this character's own lexeme (the order units would give)
      if (lastCjk !== null) addPosition(lexemes, lastCjk + ch, pos - 1);
      lastCjk = ch;
    } else lastCjk = null;
    addPosition(lexemes, ch, pos);
  }
  return { lexemes, words };
}

/**
 * Longest word prefix with a key of its own: a longer word is found by its first
 * `MAX_PREFIX` characters, then checked against the vector.
 */
export const MAX_PREFIX = 16;

/** Appended to a key that occurs at least twice in a text (see `searchKeys`). */
export const REPEATED = '\u001f2';

/** The first `n` code points of a word. */
export const wordPrefix = (word: string, n: number) => Array.from(word).slice(0, n).join('');

/**
 * The set of keys the message search index (a GIN index over a text array) holds for a text,
 * beside its vector. Each key stands for "the text contains this", exactly:
 * - every CJK character and every two adjacent ones (the vector's lexemes);
 * - every prefix of every word, up to `MAX_PREFIX` characters (`iph` stands for "a word
 *   starting with iph", the `iph:*` of a tsquery);
 * - every symbol;
 * - and `key + REPEATED` for a key that occurs at least twice (two positions, or two words
 *   with that prefix), so that the few messages where a query's keys repeat, the only ones
 *   that can rank above a single occurrence, are found without reading the others.
 * Containment of keys is exact in a GIN array index, so a query of one key (one or two CJK
 * characters, a word prefix, a symbol) is answered by the index alone, with no row to check.
 */
export function searchKeys(text: string): string[] {
  const { lexemes, words } = scan(normalize(text));
  return keysOf(words, lexemes);
}

/** The vector and the keys of a text, from one pass over it. */
export function searchIndex(text: string): { vector: string; keys: string[] } {
  const { lexemes, words } = scan(normalize(text));
  return { vector: vectorOf(lexemes), keys: keysOf(words, lexemes) };
}

function keysOf(words: readonly string[], lx: Map<string, Positions>): string[] {
  // The lexemes but the words, in order, each marked repeated when it has two positions; then
  // the words' prefixes (the whole word is one of them, unless it is long) in order of first
  // appearance, counted over all the words. No prefix is another lexeme: prefixes are made of
  // letters and digits, the other lexemes of CJK characters or one symbol.
  const keys: string[] = [];
  const wordSet = words.length > 0 ? new Set(words) : null;
  for (const [lexeme, ps] of lx) {
    if (wordSet?.has(lexeme)) continue;
    keys.push(lexeme);
    if (typeof ps !== 'number') keys.push(lexeme + REPEATED);
  }
  if (wordSet === null) return keys;
  const count = new Map<string, number>();
  for (const w of words) {
    let prefix = '';
    for (let i = 0, chars = 0; i < w.length && chars < MAX_PREFIX; chars++) {
      const len = charLength(w, i);
      prefix += len === 1 ? w[i] : w.slice(i, i + len);
      i += len;
      count.set(prefix, (count.get(prefix) ?? 0) + 1);
    }
  }
  for (const [key, n] of count) {
    keys.push(key);
    if (n >= 2) keys.push(key + REPEATED);
  }
  return keys;
}

/**
 * `quoteLexeme(lexeme):positions` for each lexeme, space-separated, appended piece by piece: a
 * piece built first and appended whole made this the tokenizer's most expensive step. A
 * lexeme of one character (a symbol may be a quote or a backslash) is quoted by comparison.
 */
function vectorOf(lx: Map<string, Positions>): string {
  let out = '';
  for (const [lexeme, ps] of lx) {
    out += out === '' ? "'" : " '";
    if (lexeme.length === 1) out += lexeme === "'" ? "''" : lexeme === '\\' ? '\\\\' : lexeme;
    else out += lexeme.includes("'") || lexeme.includes('\\') ? quoteLexeme(lexeme).slice(1, -1) : lexeme;
    out += "':";
    out += typeof ps === 'number' ? ps : ps.join(',');
  }
  return flat(out);
}

const ANY = /^/;

/**
 * `s`, read whole once: a string built by appending is a tree of its pieces until then, and a
 * vector is kept with its row until the row is written. Flat, it is one object to the garbage
 * collector instead of one per piece (for a bulk replay, which keeps a batch's rows while it
 * folds the next, that halved the tokenizer's share of the time). A regular expression reads
 * its subject whole, flattening it in place.
 */
function flat(s: string): string {
  ANY.test(s);
  return s;
}
