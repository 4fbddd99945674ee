import { describe, expect, it } from 'vitest';
import { IdFilter } from '../src/projections/id-filter.js';

describe('IdFilter', () => {
  it('answers true for every id added and false for almost every other', () => {
    const filter = new IdFilter(20); // 2^20 bits for 50,000 ids: about 0.2% false answers
    const ids = Array.from({ length: 50_000 }, (_, i) => `m_${i.toString(36)}_消息`);
    for (const id of ids) filter.add(id);
    expect(ids.every((id) => filter.mayHave(id))).toBe(true);
    const others = Array.from({ length: 50_000 }, (_, i) => `n_${i.toString(36)}_消息`);
    const wrong = others.filter((id) => filter.mayHave(id)).length;
    expect(wrong).toBeLessThan(others.length * 0.01);
  });

  it('tells ids apart that differ in one character, astral ones included', () => {
    const filter = new IdFilter();
    filter.add('dy_1:会话😀');
    expect(filter.mayHave('dy_1:会话😀')).toBe(true);
    expect(filter.mayHave('dy_1:会话😁')).toBe(false);
    expect(filter.mayHave('dy_2:会话😀')).toBe(false);
    expect(filter.mayHave('')).toBe(false);
  });

  it('refuses a size it cannot hold', () => {
    expect(() => new IdFilter(4)).toThrow(/2\^5 to 2\^32/);
  });
});
