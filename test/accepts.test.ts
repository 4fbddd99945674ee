import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { acceptsFor } from '../src/events/accepts.js';
import { EVENT_TYPES, HubEvent, sameJson, upcast } from '../src/events/index.js';
import { simulateEvents } from '../src/worker/simulate.js';
import { withClientActions } from '../src/worker/simulate-actions.js';

/**
 * `acceptsFor` is a shortcut past `safeParse` for events read from the log: whatever it
 * accepts, the schema must accept, with an output equal to the value itself (same keys, in the
 * same order). Here against every kind of event the simulator makes and random changes to them.
 */
const accepts = acceptsFor(HubEvent)!;

/** The value as `HubEvent` would output it: its keys in the schema's order, unknown ones gone. */
const inSchemaOrder = (e: unknown): Record<string, unknown> => {
  const parsed = HubEvent.safeParse(e);
  if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
  return JSON.parse(JSON.stringify(parsed.data));
};

const corpus: Record<string, unknown>[] = [];
for (const e of withClientActions(
  simulateEvents({ seed: 7, events: 3000, accounts: 4, conversationsPerAccount: 5, runId: 'acc' }),
  { seed: 8, rate: 0.3 },
)) {
  corpus.push(inSchemaOrder(upcast(JSON.parse(JSON.stringify(e)))));
}

/** Values that break one rule or another: types, bounds, formats, Unicode, NUL. */
const oddValue = fc.oneof(
  fc.constantFrom(
    '',
    'x'.repeat(5000),
    '\u0000',
    'a\u0000b',
    '\ud800',
    'tab\there',
    'line\nbreak',
    ' ',
    '抖音',
    -1,
    0,
    1.5,
    2 ** 60,
    Number.MAX_SAFE_INTEGER + 2,
    -0,
    null,
    true,
    false,
    [],
    {},
    [1, 2],
    { platform_user_id: 'u' },
  ),
  fc.anything({ maxDepth: 2 }),
);

type Path = (string | number)[];
function paths(v: unknown, at: Path = []): Path[] {
  if (typeof v !== 'object' || v === null) return [at];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [at, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...at, k]))];
}
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
function parentOf(root: unknown, path: Path): [Record<string | number, unknown>, string | number] {
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  return [node, path[path.length - 1]!];
}

/** One change to a copy of an event: a value replaced, a key removed or added, keys reordered. */
const changed = fc
  .tuple(fc.nat({ max: corpus.length - 1 }), fc.nat(), fc.nat({ max: 4 }), oddValue, fc.string())
  .map(([i, p, kind, value, key]) => {
    const e = clone(corpus[i]!);
    const all = paths(e).filter((x) => x.length > 0);
    const path = all[p % all.length]!;
    const [parent, last] = parentOf(e, path);
    if (kind === 0 || kind === 1) parent[last] = value;
    else if (kind === 2 && !Array.isArray(parent)) delete parent[last];
    else if (kind === 3 && !Array.isArray(parent)) parent[key || 'extra'] = value;
    else if (kind === 4 && !Array.isArray(parent)) {
      const v = parent[last];
      delete parent[last];
      parent[last] = v; // now the last key
    }
    return JSON.parse(JSON.stringify(e)) as unknown; // as the log gives it: parsed JSON
  });

describe('acceptsFor', () => {
  it('takes every kind of event, as the schema outputs it, without asking the schema', () => {
    const kinds = new Set(corpus.map((e) => e.type));
    expect(kinds.size).toBeGreaterThanOrEqual(14);
    for (const e of corpus) expect(accepts(clone(e)), JSON.stringify(e)).toBe(true);
  });

  it('accepts nothing the schema refuses or would output differently', () => {
    fc.assert(
      fc.property(changed, (e) => {
        if (!accepts(e)) return;
        const parsed = HubEvent.safeParse(e);
        expect(parsed.success).toBe(true);
        expect(sameJson(parsed.data, e)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses, for the schema to say why, what the schema refuses', () => {
    let refused = 0;
    fc.assert(
      fc.property(changed, (e) => {
        if (HubEvent.safeParse(e).success) return;
        refused++;
        expect(accepts(e)).toBe(false);
      }),
      { numRuns: 5_000 },
    );
    expect(refused).toBeGreaterThan(1000);
  });

  it('leaves out the schemas it cannot follow (a default, a transform)', () => {
    expect(acceptsFor(z.object({ a: z.string().default('x') }))).toBeNull();
    expect(acceptsFor(z.object({ a: z.string().transform((s) => s.length) }))).toBeNull();
    expect(acceptsFor(z.object({ a: z.string() }).strict())).toBeNull();
    expect(acceptsFor(z.object({ a: z.string().trim() }))!({ a: ' x' })).toBe(false);
    expect(acceptsFor(z.object({ a: z.string().trim() }))!({ a: 'x' })).toBe(true);
    expect(EVENT_TYPES.length).toBeGreaterThan(0);
  });
});
