import { normalize, quoteLexeme, units } from './tokenizer.js';

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
