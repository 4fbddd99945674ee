import { normalize } from './tokenizer.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A short excerpt of `content` around the first match, with every match of `terms`
 * (normalised, as `highlightTerms` gives them) wrapped in `<mark>…</mark>`. The rest of the
 * text is HTML-escaped, so the snippet can be shown as HTML as it is.
 */
export function snippet(content: string, terms: readonly string[], radius = 40): string {
  // Normalise code point by code point, remembering where each normalised unit came from.
  let norm = '';
  const origin: number[] = [];
  for (let i = 0; i < content.length; ) {
    const cp = content.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const n = normalize(ch);
    for (let k = 0; k < n.length; k++) origin.push(i);
    norm += n;
    i += ch.length;
  }
  origin.push(content.length);
  const ranges: [number, number][] = [];
  for (const term of terms) {
    for (let at = norm.indexOf(term); at !== -1 && term.length > 0; at = norm.indexOf(term, at + 1)) {
      const end = origin[at + term.length] ?? content.length;
      ranges.push([origin[at]!, Math.max(end, origin[at]! + 1)]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const first = merged[0]?.[0] ?? 0;
  const from = Math.max(0, first - radius);
  const to = Math.min(content.length, first + radius * 2);
  let out = from > 0 ? '…' : '';
  let at = from;
  for (const [s, e] of merged) {
    if (e <= from || s >= to) continue;
    const start = Math.max(s, from);
    const end = Math.min(e, to);
    out += `${escapeHtml(content.slice(at, start))}<mark>${escapeHtml(content.slice(start, end))}</mark>`;
    at = end;
  }
  out += escapeHtml(content.slice(at, to));
  return to < content.length ? `${out}…` : out;
}
