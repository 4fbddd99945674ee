import { MAX_PREFIX, normalize, quoteLexeme, REPEATED, units, wordPrefix } from './tokenizer.js';

/** One term of a query: a word, or a quoted phrase. */
export interface QueryTerm {
  text: string;
  quoted: boolean;
}

/** Splits on white space outside double quotes; `"…"` keeps a phrase together. */
export function splitTerms(query: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(query); m !== null; m = re.exec(query)) {
    const quoted = m[1] !== undefined;
    const text = (quoted ? m[1] : m[2])!.trim();
    if (text) terms.push({ text, quoted });
  }
  return terms;
}

/**
 * One term as a tsquery phrase with exact distances. CJK runs become chains of bigrams (a
 * lone CJK character stays itself); words and symbols are themselves; a word at the end of
 * the term matches as a prefix (`iphone` finds `iphone15`). Returns null for a term with
 * nothing to search (only white space).
 */
export function termQuery(term: string): string | null {
  const us = units(normalize(term));
  const parts: { pos: number; q: string }[] = [];
  for (let i = 0; i < us.length; i++) {
    const u = us[i]!;
    if (u.kind === 'space') continue;
    const next = us[i + 1];
    const prev = us[i - 1];
    if (u.kind === 'cjk') {
      if (next?.kind === 'cjk') parts.push({ pos: u.pos, q: quoteLexeme(u.text + next.text) });
      else if (prev?.kind !== 'cjk') parts.push({ pos: u.pos, q: quoteLexeme(u.text) });
      continue;
    }
    const isLast = us.slice(i + 1).every((x) => x.kind === 'space');
    parts.push({
      pos: u.pos,
      q: u.kind === 'word' && isLast ? `${quoteLexeme(u.text)}:*` : quoteLexeme(u.text),
    });
  }
  if (parts.length === 0) return null;
  let q = parts[0]!.q;
  for (let i = 1; i < parts.length; i++) q += ` <${parts[i]!.pos - parts[i - 1]!.pos}> ${parts[i]!.q}`;
  return parts.length > 1 ? `(${q})` : q;
}

/** A whole query: every term must match (AND). Null when nothing is searchable. */
export function buildTsQuery(query: string): string | null {
  const parts = splitTerms(query)
    .map((t) => termQuery(t.text))
    .filter((q): q is string => q !== null);
  return parts.length > 0 ? parts.join(' & ') : null;
}

/** The normalised strings a snippet marks: each term as typed, normalised. */
export function highlightTerms(query: string): string[] {
  return splitTerms(query)
    .map((t) => normalize(t.text))
    .filter((t) => t.trim() !== '');
}

/** How a query is run against the message search index (see `searchKeys`). */
export interface SearchPlan {
  /** The query as a tsquery: the exact contract, and the rank. */
  tsquery: string;
  /** Keys every match contains (a GIN containment: exact, no row read). */
  keys: string[];
  /**
   * True when containing the keys is the same as matching the tsquery (every term is one
   * key: one or two CJK characters, a last word of at most `MAX_PREFIX` characters, a
   * symbol); otherwise each candidate is checked against its vector.
   */
  exact: boolean;
  /**
   * For a query of one term: its keys marked as repeated. Every match that contains none of
   * them has the term once, with nothing repeated, and so the same rank as every other such
   * match; the matches that can rank higher are among those that contain one. Null for
   * several terms (their rank depends on how far apart they are).
   */
  repeated: string[] | null;
}

/** The plan of a query, or null when nothing is searchable. */
export function searchPlan(query: string): SearchPlan | null {
  const tsquery = buildTsQuery(query);
  if (tsquery === null) return null;
  const terms = splitTerms(query);
  const keys = new Set<string>();
  let exact = true;
  let searchable = 0;
  const termKeys: string[] = [];
  for (const t of terms) {
    const us = units(normalize(t.text)).filter((u) => u.kind !== 'space');
    if (us.length === 0) continue;
    searchable++;
    const own = new Set<string>();
    for (let i = 0; i < us.length; i++) {
      const u = us[i]!;
      const next = us[i + 1];
      if (u.kind === 'cjk') {
        // the bigrams of a run; a lone character is its own key
        if (next?.kind === 'cjk' && next.pos === u.pos + 1) own.add(u.text + next.text);
        else if (us[i - 1]?.kind !== 'cjk' || us[i - 1]!.pos !== u.pos - 1) own.add(u.text);
      } else if (u.kind === 'word') own.add(wordPrefix(u.text, MAX_PREFIX));
      else own.add(u.text);
    }
    // One key is the whole term only for a CJK run of one or two characters, a symbol, or
    // a word matched as a prefix (the last unit of a term) that is not cut short.
    const only =
      us.length === 1 ? us[0]! : us.length === 2 && us.every((u) => u.kind === 'cjk') ? us[0]! : null;
    const oneKey =
      only !== null && own.size === 1 && (only.kind !== 'word' || Array.from(only.text).length <= MAX_PREFIX);
    if (!oneKey) exact = false;
    for (const k of own) {
      keys.add(k);
      termKeys.push(k);
    }
  }
  return {
    tsquery,
    keys: [...keys],
    exact,
    repeated: searchable === 1 ? termKeys.map((k) => k + REPEATED) : null,
  };
}
