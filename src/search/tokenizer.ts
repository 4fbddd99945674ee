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
 * are most of the tokenizer's time, and a text reuses few distinct characters. Bounded by the
 * characters in use (a few thousand for Chinese text), and cleared past 100,000 just in case.
 */
const kinds = new Map<string, UnitKind>();
function kindOf(ch: string): UnitKind {
  let kind = kinds.get(ch);
  if (kind === undefined) {
    if (kinds.size >= 100_000) kinds.clear();
    kind = classify(ch);
    kinds.set(ch, kind);
  }
  return kind;
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

/** The lexemes of a text with their positions. */
export function lexemes(text: string): Map<string, number[]> {
  return lexemesOf(units(normalize(text)));
}

function lexemesOf(us: Unit[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < us.length; i++) {
    const u = us[i]!;
    if (u.kind === 'space') continue;
    addPosition(out, u.text, u.pos);
    const next = us[i + 1];
    if (u.kind === 'cjk' && next?.kind === 'cjk') addPosition(out, u.text + next.text, u.pos);
  }
  return out;
}

function addPosition(out: Map<string, number[]>, lexeme: string, pos: number): void {
  const p = Math.min(pos, MAX_POS);
  const list = out.get(lexeme);
  if (!list) out.set(lexeme, [p]);
  else if (list[list.length - 1] !== p) list.push(p);
}

/**
 * The tsvector literal for a message's content, in Postgres's input syntax.
 *
 * @example searchVector('太好笑了') // "'了':4 '太':1 '太好':1 '好':2 '好笑':2 '笑':3 '笑了':3"
 */
export function searchVector(text: string): string {
  return vectorOf(lexemes(text));
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
  const us = units(normalize(text));
  return keysOf(us, lexemesOf(us));
}

/** The vector and the keys of a text, from one pass over it. */
export function searchIndex(text: string): { vector: string; keys: string[] } {
  const us = units(normalize(text));
  const lx = lexemesOf(us);
  return { vector: vectorOf(lx), keys: keysOf(us, lx) };
}

function keysOf(us: Unit[], lx: Map<string, number[]>): string[] {
  const count = new Map<string, number>();
  for (const [lexeme, positions] of lx) count.set(lexeme, positions.length);
  // words count through their prefixes (the whole word is one of them, unless it is long)
  for (const u of us) if (u.kind === 'word') count.delete(u.text);
  for (const u of us) {
    if (u.kind !== 'word') continue;
    const chars = Array.from(u.text);
    let prefix = '';
    for (let i = 0; i < chars.length && i < MAX_PREFIX; i++) {
      prefix += chars[i];
      count.set(prefix, (count.get(prefix) ?? 0) + 1);
    }
  }
  const keys: string[] = [];
  for (const [key, n] of count) {
    keys.push(key);
    if (n >= 2) keys.push(key + REPEATED);
  }
  return keys;
}

function vectorOf(lx: Map<string, number[]>): string {
  let out = '';
  for (const [lexeme, positions] of lx) {
    if (out !== '') out += ' ';
    out += `${quoteLexeme(lexeme)}:${positions.join(',')}`;
  }
  return out;
}
