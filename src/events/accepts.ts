import type { z } from 'zod';

/**
 * A predicate derived from a zod schema: true only when the schema would accept the value and
 * its output would be the value itself, structurally (no key stripped, none reordered, nothing
 * defaulted or transformed). False means "not sure": ask the schema (`safeParse`), which also
 * says why a value is refused.
 *
 * The schema stays the one definition: the predicate runs the schema's own checks (its
 * `refine`s, regexes, bounds, integer formats) on the value, and only its type tests
 * (`typeof`, enum and literal membership, object keys) are done here. For the events of a
 * simulated log it takes 2.3 µs and 67 bytes an event where `safeParse`, which builds a result
 * object for every field and a new copy of the value, takes 3.6 µs and 5.8 KB: the checks
 * themselves (the patterns above all) are most of what is left.
 *
 * Schemas of kinds it does not know (a pipe, a default, a transform, an intersection, a
 * catchall…) give null from `acceptsFor`: no shortcut for them.
 */
export type Accepts = (value: unknown) => boolean;

type AnySchema = z.core.$ZodType;
type Payload = { value: unknown; issues: unknown[] };
type Check = {
  _zod: {
    def: { when?: (p: Payload) => boolean };
    check: (p: Payload) => unknown;
  };
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema's own checks, run as zod runs them for a value with no issue so far. */
function checksOf(schema: AnySchema): Accepts | null {
  const own = schema._zod.traits.has('$ZodCheck') ? [schema as unknown as Check] : [];
  const checks = [...own, ...((schema._zod.def.checks ?? []) as unknown as Check[])];
  if (checks.length === 0) return null;
  const payload: Payload = { value: undefined, issues: [] };
  return (value) => {
    payload.value = value;
    let ok = true;
    for (const c of checks) {
      const when = c._zod.def.when;
      if (when && !when(payload)) continue;
      const r = c._zod.check(payload);
      // an asynchronous check, an issue, or a check that rewrote the value: ask the schema
      if (r instanceof Promise || payload.issues.length > 0 || payload.value !== value) {
        ok = false;
        break;
      }
    }
    payload.value = undefined;
    if (payload.issues.length > 0) payload.issues = [];
    return ok;
  };
}

const both = (type: Accepts, checks: Accepts | null): Accepts =>
  checks ? (v) => type(v) && checks(v) : type;

/** The predicate of a schema, or null when it has a kind this does not know. */
export function acceptsFor(schema: AnySchema): Accepts | null {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  const checks = checksOf(schema);
  switch (def.type) {
    case 'string':
      if (def.coerce) return null;
      return both((v) => typeof v === 'string', checks);
    case 'number':
      if (def.coerce) return null;
      return both((v) => typeof v === 'number' && Number.isFinite(v), checks);
    case 'boolean':
      if (def.coerce) return null;
      return both((v) => typeof v === 'boolean', checks);
    case 'literal':
    case 'enum': {
      const values = schema._zod.values;
      if (!values) return null;
      return both((v) => values.has(v as never), checks);
    }
    case 'optional':
    case 'nullable': {
      const innerType = def.innerType as AnySchema;
      if (def.type === 'optional' && innerType._zod.optin === 'defaulted') return null;
      const inner = acceptsFor(innerType);
      if (!inner) return null;
      const empty = def.type === 'optional' ? undefined : null;
      return both((v) => v === empty || inner(v), checks);
    }
    case 'array': {
      const element = acceptsFor(def.element as AnySchema);
      if (!element) return null;
      return both((v) => Array.isArray(v) && v.every((x) => element(x)), checks);
    }
    case 'object':
      return objectAccepts(schema, checks);
    case 'union':
      return unionAccepts(schema, checks);
    default:
      return null;
  }
}

function objectAccepts(schema: AnySchema, checks: Accepts | null): Accepts | null {
  const def = schema._zod.def as unknown as { shape: Record<string, AnySchema>; catchall?: unknown };
  if (def.catchall) return null; // strict or passthrough: not the plain stripping object
  const keys = Object.keys(def.shape);
  if (Object.getOwnPropertySymbols(def.shape).length > 0) return null;
  const fields: { key: string; accepts: Accepts; omittable: boolean }[] = [];
  for (const key of keys) {
    const field = def.shape[key]!;
    const accepts = acceptsFor(field);
    if (!accepts) return null;
    // absent, it stays absent in the output only when both sides are plain `optional`
    fields.push({
      key,
      accepts,
      omittable: field._zod.optin === 'optional' && field._zod.optout === 'optional',
    });
  }
  const n = fields.length;
  return both((v) => {
    if (!isObject(v)) return false;
    // The value's keys, each known and in the schema's order (the order of the output's keys),
    // each value accepted; each key of the schema it skips, one that may be absent.
    let j = 0;
    for (const k in v) {
      while (j < n && fields[j]!.key !== k) {
        if (!fields[j]!.omittable) return false;
        j++;
      }
      if (j === n || !fields[j]!.accepts(v[k])) return false;
      j++;
    }
    for (; j < n; j++) if (!fields[j]!.omittable) return false;
    return true;
  }, checks);
}

function unionAccepts(schema: AnySchema, checks: Accepts | null): Accepts | null {
  const def = schema._zod.def as unknown as {
    options: AnySchema[];
    discriminator?: string;
    unionFallback?: boolean;
  };
  const traits = schema._zod.traits;
  const discriminated = traits.has('$ZodDiscriminatedUnion');
  // an exclusive union (xor) fails when two options accept; a fallback tries them all
  if (traits.has('$ZodXor') || def.unionFallback) return null;
  const options = def.options.map((o) => acceptsFor(o));
  if (options.some((o) => o === null)) return null;
  if (!discriminated) {
    // zod takes the first option that accepts: when the first does, it is that one
    const first = options[0];
    if (!first) return null;
    return both(first, checks);
  }
  const key = def.discriminator;
  if (key === undefined) return null;
  const byValue = new Map<unknown, Accepts>();
  for (const [i, o] of def.options.entries()) {
    const values = (o._zod as { propValues?: Record<string, Set<unknown>> }).propValues?.[key];
    if (!values) return null;
    for (const value of values) {
      if (value === undefined || byValue.has(value)) return null;
      byValue.set(value, options[i]!);
    }
  }
  return both((v) => {
    if (!isObject(v)) return false;
    const option = byValue.get(v[key]);
    return option?.(v) === true;
  }, checks);
}
