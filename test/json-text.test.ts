import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyMember, createChunkWriter } from '../src/audit/format.js';
import { isOneLineJson } from '../src/audit/json-text.js';

// The export embeds a stored body verbatim when it is one line of JSON: the byte scanner must
// accept exactly what decoding (UTF-8, fatal) and `JSON.parse` accept, bodies with CR or LF apart.

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The definition the scanner stands for, the slow way. */
function oracle(b: Uint8Array): boolean {
  if (b.includes(0x0a) || b.includes(0x0d)) return false;
  try {
    JSON.parse(utf8.decode(b));
    return true;
  } catch {
    return false;
  }
}

const bytes = (s: string) => Buffer.from(s, 'utf8');
const agrees = (b: Uint8Array) => {
  expect(isOneLineJson(b), Buffer.from(b).toString('latin1')).toBe(oracle(b));
};

/** JSON texts, compact or spaced, and texts near them: one character changed, cut, or added. */
const jsonTexts = fc
  .tuple(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t'))
  .map(([v, space]) => JSON.stringify(v, null, space).replace(/\n/g, ' '));
const nearJson = fc
  .tuple(
    jsonTexts,
    fc.nat(),
    fc.constantFrom(...'{}[]",:.-+eE0123456789 tfnu\\\t\u0001\u00e9\u4f60\ufeff'),
    fc.nat(3),
  )
  .map(([text, at, ch, how]) => {
    const i = text.length === 0 ? 0 : at % text.length;
    if (how === 0) return text.slice(0, i) + ch + text.slice(i + 1);
    if (how === 1) return text.slice(0, i);
    if (how === 2) return text.slice(0, i) + ch + text.slice(i);
    return text + ch;
  });

describe('isOneLineJson', () => {
  it('accepts every JSON text on one line, as JSON.parse does', () => {
    fc.assert(
      fc.property(jsonTexts, (t) => {
        expect(isOneLineJson(bytes(t))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with decoding and JSON.parse on texts near JSON', () => {
    fc.assert(
      fc.property(nearJson, (t) => agrees(bytes(t))),
      { numRuns: 5000 },
    );
  });

  it('agrees with them on arbitrary strings and bytes (invalid UTF-8 included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (t) => agrees(bytes(t))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => agrees(b)),
      { numRuns: 2000 },
    );
  });

  it('given the edge cases of the grammar, answers as JSON.parse does', () => {
    const cases = [
      '',
      ' ',
      '0',
      '-0',
      '01',
      '-',
      '1.',
      '.5',
      '1e',
      '1e+',
      '1E-7',
      '2.5e10',
      '"\\u00e9"',
      '"\\u00g9"',
      '"\\x"',
      '"a\tb"',
      '"\u007f"',
      '"',
      'tru',
      'true ',
      'nul',
      'null x',
      '[1,]',
      '[,1]',
      '{"a":1,}',
      '{"a" : 1 , "b":[ ] }',
      '{a:1}',
      '{"a"}',
      '[[[[]]]]',
      '[[[[]]]',
      '\ufeff{}',
      '{}\n',
      '\t{}\t',
      '"\u2028"',
    ];
    for (const c of cases) agrees(bytes(c));
  });
});

describe('an export chunk', () => {
  it('embeds a one-line JSON body byte for byte, and writes any other body as the history does', () => {
    const bodies = [
      bytes('{"type":"X","n":1}'),
      bytes('not json'),
      bytes('{"a":\n1}'),
      Uint8Array.of(0xff, 0x01),
    ];
    const out = createChunkWriter(16);
    for (const [i, data] of bodies.entries()) {
      out.eventLine({ seq: i + 1, subject: 's.a', storedNs: 1_000_000n, data }, 'p', 'h');
    }
    const lines = Buffer.from(out.take()).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    for (const [i, line] of lines.entries()) {
      expect(line).toBe(
        `{"kind":"event","seq":${i + 1},"subject":"s.a","stored_at":1,"stored_ns":"1000000","prev_hash":"p","hash":"h",${bodyMember(bodies[i]!)}}`,
      );
      JSON.parse(line);
    }
    expect(lines[0]).toContain(',"event":{"type":"X","n":1}}');
  });
});
