import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTsQuery, searchPlan, splitTerms } from '../src/search/query.js';
import { snippet } from '../src/search/snippet.js';
import {
  lexemes,
  MAX_PREFIX,
  normalize,
  quoteLexeme,
  REPEATED,
  searchKeys,
  searchVector,
  units,
} from '../src/search/tokenizer.js';

/** The lexemes the module comment defines, from `units` (what queries are cut into), the slow way. */
function lexemesFromUnits(text: string): [string, number[]][] {
  const us = units(normalize(text));
  const out = new Map<string, number[]>();
  const add = (lexeme: string, pos: number) => {
    const p = Math.min(pos, 16_383);
    const list = out.get(lexeme) ?? [];
    if (list[list.length - 1] !== p) list.push(p);
    out.set(lexeme, list);
  };
  for (const [i, u] of us.entries()) {
    if (u.kind === 'space') continue;
    add(u.text, u.pos);
    const next = us[i + 1];
    if (u.kind === 'cjk' && next?.kind === 'cjk') add(u.text + next.text, u.pos);
  }
  return [...out];
}

describe('tokenizer', () => {
  it('indexes a document with the units a query is cut into, whatever the text', () => {
    const pieces = [
      '好',
      '哈',
      '了',
      'a',
      'B',
      '1',
      'é',
      'e\u0301',
      ' ',
      '\t',
      '！',
      "'",
      '\\',
      '😀',
      '\u{20000}',
      '\ud800',
      'ア',
      '가',
      'Ⅻ',
      '\u3000',
      '_',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect([...lexemes(text)]).toEqual(lexemesFromUnits(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('indexes every CJK character and every adjacent pair at its position', () => {
    expect(searchVector('太好笑了')).toBe("'太':1 '太好':1 '好':2 '好笑':2 '笑':3 '笑了':3 '了':4");
  });

  it('keeps Latin words and numbers whole, lower-cased, and full-width as half-width', () => {
    expect(normalize('ＩＰＨＯＮＥ１５')).toBe('iphone15');
    expect(units(normalize('买ＩＰｈｏｎｅ15壳')).map((u) => [u.kind, u.text])).toEqual([
      ['cjk', '买'],
      ['word', 'iphone15'],
      ['cjk', '壳'],
    ]);
  });

  it('gives punctuation and emoji their own positions and white space a gap', () => {
    expect(searchVector('好！ 😀')).toBe("'好':1 '!':2 '😀':4");
  });

  it('quotes lexemes that need it', () => {
    expect(searchVector("it's")).toBe("'it':1 '''':2 's':3");
    expect(searchVector('a\\b')).toBe("'a':1 '\\\\':2 'b':3");
  });

  it('writes each lexeme quoted as quoteLexeme does, whatever the text', () => {
    const pieces = ['好', '哈', 'a', '1', ' ', "'", '\\', "''", '！', '😀', '\ud800', 'é'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        const expected = [...lexemes(text)].map(([l, ps]) => `${quoteLexeme(l)}:${ps.join(',')}`).join(' ');
        expect(searchVector(text)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('query', () => {
  it('splits on white space and keeps quoted phrases', () => {
    expect(splitTerms('  手机 "你 好"  iphone ')).toEqual([
      { text: '手机', quoted: false },
      { text: '你 好', quoted: true },
      { text: 'iphone', quoted: false },
    ]);
  });

  it('turns CJK into a bigram chain, a word at the end into a prefix, and ANDs the terms', () => {
    expect(buildTsQuery('好笑死了')).toBe("('好笑' <1> '笑死' <1> '死了')");
    expect(buildTsQuery('好')).toBe("'好'");
    expect(buildTsQuery('买iPhone壳 vip')).toBe("('买' <1> 'iphone' <1> '壳') & 'vip':*");
    expect(buildTsQuery('"你 好"')).toBe("('你' <2> '好')");
    expect(buildTsQuery('   ')).toBeNull();
  });
});

describe('search keys', () => {
  const R = REPEATED;
  it('holds every CJK character and pair, every word prefix, every symbol, and the keys that repeat', () => {
    expect(searchKeys('哈哈哈 OK!').sort()).toEqual(
      ['哈', `哈${R}`, '哈哈', `哈哈${R}`, 'o', 'ok', '!'].sort(),
    );
    // two words with one prefix repeat it; the whole word stands once
    expect(searchKeys('iPhone iPhone15').filter((k) => k.startsWith('iphone'))).toEqual([
      'iphone',
      `iphone${R}`,
      'iphone1',
      'iphone15',
    ]);
    expect(searchKeys('x'.repeat(40))).toContain('x'.repeat(MAX_PREFIX));
    expect(searchKeys('x'.repeat(40))).not.toContain('x'.repeat(MAX_PREFIX + 1));
  });

  it('plans a query: its keys, whether they are the whole query, and its repeated keys', () => {
    expect(searchPlan('好笑')).toEqual({
      tsquery: "'好笑'",
      keys: ['好笑'],
      exact: true,
      repeated: [`好笑${R}`],
    });
    expect(searchPlan('iPhone')).toMatchObject({ keys: ['iphone'], exact: true });
    // a phrase, a word matched whole, a word longer than its key: checked against the vector
    expect(searchPlan('好笑死了')).toMatchObject({ keys: ['好笑', '笑死', '死了'], exact: false });
    expect(searchPlan('iPhone壳')).toMatchObject({ keys: ['iphone', '壳'], exact: false });
    expect(searchPlan('x'.repeat(20))).toMatchObject({ keys: ['x'.repeat(MAX_PREFIX)], exact: false });
    expect(searchPlan('"你 好"')).toMatchObject({ keys: ['你', '好'], exact: false });
    // several terms: each a key, so exact, but ranked by distance: no repeated-key shortcut
    expect(searchPlan('好 笑')).toMatchObject({ keys: ['好', '笑'], exact: true, repeated: null });
    expect(searchPlan('  ')).toBeNull();
  });
});

describe('snippet', () => {
  it('marks every match in the original text and escapes the rest', () => {
    expect(snippet('<b>求ＩＰｈｏｎｅ15的壳</b>', ['iphone', '壳'])).toBe(
      '&lt;b&gt;求<mark>ＩＰｈｏｎｅ</mark>15的<mark>壳</mark>&lt;/b&gt;',
    );
  });

  it('cuts long texts around the first match', () => {
    const text = `${'前'.repeat(100)}目标${'后'.repeat(100)}`;
    const s = snippet(text, ['目标'], 10);
    expect(s).toBe(`…${'前'.repeat(10)}<mark>目标</mark>${'后'.repeat(18)}…`);
  });
});
