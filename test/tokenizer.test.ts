import { describe, expect, it } from 'vitest';
import { buildTsQuery, splitTerms } from '../src/search/query.js';
import { snippet } from '../src/search/snippet.js';
import { normalize, searchVector, units } from '../src/search/tokenizer.js';

describe('tokenizer', () => {
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
