import fc from 'fast-check';
import type { OpenApiDocument } from '../../src/api/openapi.js';

// Requests made from the OpenAPI document itself: for every operation it lists, random and
// adversarial values in every place the operation takes input. A new route is covered as
// soon as it is documented.

type Json = any;
type Gen = (arb: () => fc.Arbitrary<unknown>) => unknown;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Json;
}

export interface Operation {
  method: string;
  /** The path template, `/api/v1/messages/{id}`. */
  path: string;
  params: Param[];
  /** The JSON body's schema, references resolved, when the operation takes one. */
  body?: Json;
  bodyRequired: boolean;
}

/** A request as it goes over the wire; `defect` says which part of it breaks the contract. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  defect?: string;
}

/** Follows `$ref`s into the document's components, recursively, so schemas can be walked. */
function resolver(doc: OpenApiDocument) {
  const components = (doc.components ?? {}) as Json;
  const resolve = (s: Json, depth = 0): Json => {
    if (!s || typeof s !== 'object' || depth > 20) return s;
    if (Array.isArray(s)) return s.map((x) => resolve(x, depth + 1));
    if (typeof s.$ref === 'string') {
      const [, , kind, name] = s.$ref.split('/');
      return resolve(components[kind][name], depth + 1);
    }
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, resolve(v, depth + 1)]));
  };
  return resolve;
}

/** Every operation of the document with its inputs (common parameters included). */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = resolver(doc);
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = resolve((item as Json)[method]);
      if (!op) continue;
      const media = op.requestBody?.content?.['application/json'];
      out.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: Json) => ({
          name: p.name,
          in: p.in,
          required: p.required === true,
          schema: p.schema ?? {},
        })),
        body: media?.schema,
        bodyRequired: op.requestBody?.required === true,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- adversarial values

const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE messages; --",
  '1; SELECT pg_sleep(5)',
  "') UNION SELECT * FROM accounts --",
  '%_%',
  '\\',
  "$$'; delete from conversations; $$",
];
const JSON_INJECTION = ['{"$gt":""}', '","admin":true,"x":"', '__proto__', 'constructor', '[]', '{}', 'null'];
const NUMBERISH = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '-1',
  '-0',
  '0x10',
  '1.5',
  '9007199254740993',
  '18446744073709551616',
  '１２３', // full-width digits
  ' 1 ',
  '',
];
const UNICODE = [
  '\u0000',
  'a\u0000b',
  '\uD800', // a lone high surrogate
  'x\uDC00y', // a lone low surrogate
  '\u202Eevil\u202C', // right-to-left override
  '\u200F\u200E\u200B', // RTL/LTR marks, zero width space
  '👍🏽👨‍👩‍👧‍👦',
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  'ＡＢＣ＠ｘ．ｃｏｍ', // full-width
  '\uFEFF', // byte order mark
  '\u0007\u001b[31m', // bell, ANSI escape
  '\u0085\u2028\u2029', // next line, line and paragraph separators
  '你好，请问还有货吗？',
  '\uFFFF\uFFFE',
];
/** What Postgres cannot hold as text (NUL) or what is not Unicode (lone surrogates). */
const UNSTORABLE = ['\u0000', 'a\u0000b', '\uD800', 'x\uDC00y'];
const PATHISH = [
  '../../etc/passwd',
  'a/b',
  '/',
  '%2F',
  '%',
  '%zz',
  '?x=1',
  '#frag',
  '.',
  '..',
  '*',
  '>',
  'a.b.c',
];

export const ADVERSARIAL_STRINGS: readonly string[] = [
  ...SQL,
  ...JSON_INJECTION,
  ...NUMBERISH,
  ...UNICODE,
  ...PATHISH,
  'true',
  'false',
  '<script>alert(1)</script>',
  ' ',
];

const huge = (n: number, ch = 'x') => ch.repeat(n);

/** Any string, from the adversarial list, random code units (lone surrogates too) or huge. */
export const adversarialString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ADVERSARIAL_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(huge(300), huge(5000, '你'), huge(70_000)) },
);

/** Any JSON value: wrong types, enormous and negative numbers, arrays for scalars, objects. */
export const adversarialJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: adversarialString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      -1,
      0,
      -0,
      1.5,
      1e308,
      -1e308,
      2 ** 53 + 2,
      2 ** 64,
      Number.MIN_VALUE,
      true,
      false,
      null,
    ),
  },
  { weight: 1, arbitrary: fc.integer() },
  {
    weight: 1,
    arbitrary: fc.constantFrom([], [''], [[[]]], {}, { $ne: null }, { __proto__: { admin: true } }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Latin-1 text without NUL, CR or LF: what a header value can carry at all. */
const headerSafe = (s: string) =>
  s.trim() === s && [...s].every((ch) => ch.charCodeAt(0) <= 0xff && !['\0', '\r', '\n'].includes(ch));
const adversarialHeader = adversarialString.filter(headerSafe);

/** Bodies that are not JSON at all, or not UTF-8. */
const MALFORMED_BODIES: readonly (string | Uint8Array)[] = [
  '',
  '{',
  '{"a":',
  'nul',
  '{"a":1}trailing',
  "{'single': 'quotes'}",
  '{"a":1,}',
  '[1,2',
  '\u0000{}',
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), // UTF-16 with a BOM
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // invalid UTF-8
];

// ---------------------------------------------------------------- from schemas

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'array' | 'object';

/** The JSON types a schema admits, or null when it does not say (anything goes). */
function typesOf(s: Json): Set<JsonType> | null {
  if (!s || typeof s !== 'object') return null;
  const union = s.anyOf ?? s.oneOf;
  if (Array.isArray(union)) {
    const all = new Set<JsonType>();
    for (const member of union) {
      const t = typesOf(member);
      if (!t) return null;
      for (const x of t) all.add(x);
    }
    return all;
  }
  if (Array.isArray(s.enum)) return new Set(s.enum.map(jsonType));
  if ('const' in s) return new Set([jsonType(s.const)]);
  if (typeof s.type === 'string') return new Set([s.type]);
  if (Array.isArray(s.type)) return new Set(s.type);
  if (s.properties) return new Set(['object']);
  return null;
}

function jsonType(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

const patternOf = (s: Json): RegExp | null =>
  typeof s?.pattern === 'string' ? new RegExp(s.pattern, 'u') : null;

/** Values that satisfy a schema; `known` are real values (ids of seeded data) to prefer when they fit. */
export function validValue(s: Json, known: readonly string[] = [], depth = 0): fc.Arbitrary<unknown> {
  if (!s || typeof s !== 'object' || depth > 4) return fc.constant('x');
  const union = s.anyOf ?? s.oneOf;
  if (Array.isArray(union)) return fc.oneof(...union.map((m: Json) => validValue(m, known, depth + 1)));
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  if ('const' in s) return fc.constant(s.const);
  const types = typesOf(s);
  const type = types ? ([...types].find((t) => t !== 'null') ?? 'null') : 'string';
  switch (type) {
    case 'integer':
    case 'number':
      return fc.integer({
        min: Math.max(s.minimum ?? 0, -1e9),
        max: Math.min(s.maximum ?? 1e12, Number.MAX_SAFE_INTEGER),
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(s.items, known, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)),
      });
    case 'object': {
      const props = s.properties ?? {};
      const required: string[] = s.required ?? [];
      return fc.record(
        Object.fromEntries(Object.entries(props).map(([k, v]) => [k, validValue(v, known, depth + 1)])),
        { requiredKeys: required.filter((k) => k in props) },
      );
    }
    case 'null':
      return fc.constant(null);
    default:
      return validString(s, known);
  }
}

function validString(s: Json, known: readonly string[]): fc.Arbitrary<string> {
  const re = patternOf(s);
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 64;
  const fits = (x: string) => x.length >= min && x.length <= max && (!re || re.test(x));
  // patterns with Unicode property classes are beyond stringMatching: filter printable text instead
  const generated = re && !/\\p\{/.test(re.source) ? fc.stringMatching(re) : fc.string({ unit: 'grapheme' });
  // real ids, and the hostile strings that are still valid here (injections, odd Unicode)
  // (the ones the store cannot hold as text, NUL and lone surrogates, more often than the rest)
  const picks = [known.filter(fits), ADVERSARIAL_STRINGS.filter(fits), UNSTORABLE.filter(fits)];
  return fc.oneof(
    generated.filter(fits),
    ...picks.filter((xs) => xs.length > 0).map((xs) => fc.constantFrom(...xs)),
  );
}

/**
 * Values that break a schema for certain (a wrong type, past a bound, off its pattern or enum),
 * or null when nothing can (a schema that admits anything). `wire` is for parameters, which
 * travel as text: only strings then.
 */
export function invalidValue(s: Json, wire: boolean): fc.Arbitrary<unknown> | null {
  const types = typesOf(s);
  if (!types) return null;
  const out: fc.Arbitrary<unknown>[] = [];
  const plain = !s.anyOf && !s.oneOf;
  const numeric = types.has('integer') || types.has('number');
  if (!wire) {
    const wrong: unknown[] = [];
    if (!types.has('string')) wrong.push('12', 'NaN', ...UNICODE.slice(0, 3));
    if (!numeric) wrong.push(-1, 1e308);
    else if (!types.has('number')) wrong.push(1.5, -0.25);
    if (!types.has('boolean')) wrong.push(true);
    if (!types.has('null')) wrong.push(null);
    if (!types.has('array')) wrong.push([], ['x']);
    if (!types.has('object')) wrong.push({}, { $gt: '' });
    if (wrong.length > 0) out.push(fc.constantFrom(...wrong));
  } else if (numeric && !types.has('string')) {
    out.push(fc.constantFrom('abc', '1.5', 'NaN', 'Infinity', '1e400', '[]', '你'));
  }
  if (plain && Array.isArray(s.enum)) {
    out.push(fc.string({ maxLength: 12 }).map((x) => `not-${x}`));
  }
  if (plain && types.has('string') && !s.enum) {
    if (typeof s.maxLength === 'number') {
      out.push(fc.constantFrom(huge(s.maxLength + 1), huge(s.maxLength + 1, '你'), huge(s.maxLength + 5000)));
    }
    const re = patternOf(s);
    if (re) {
      const off = ADVERSARIAL_STRINGS.filter((x) => !re.test(x) && (!wire || x !== ''));
      if (off.length > 0) out.push(fc.constantFrom(...off));
    }
  }
  if (plain && numeric) {
    const bounds: number[] = [];
    if (typeof s.minimum === 'number') bounds.push(s.minimum - 1, s.minimum - 1e6);
    if (typeof s.maximum === 'number') bounds.push(s.maximum + 1, s.maximum * 10 + 10);
    if (bounds.length > 0) out.push(fc.constantFrom(...bounds.map((b) => (wire ? String(b) : b))));
  }
  if (plain && types.has('array') && !wire) {
    if ((s.minItems ?? 0) > 0) out.push(fc.constant([]));
    if (typeof s.maxItems === 'number') {
      out.push(validValue(s.items).map((item) => Array.from({ length: s.maxItems + 1 }, () => item)));
    }
    const badItem = invalidValue(s.items, false);
    if (badItem) out.push(badItem.map((x) => [x]));
  }
  if (plain && types.has('object') && s.properties && !wire) {
    const props = Object.entries(s.properties as Record<string, Json>);
    const required: string[] = s.required ?? [];
    const base = validValue(s) as fc.Arbitrary<Record<string, unknown>>;
    if (required.length > 0) {
      out.push(
        fc.tuple(base, fc.constantFrom(...required)).map(([o, k]) => {
          const { [k]: _, ...rest } = o;
          return rest;
        }),
      );
    }
    const breakable = props.flatMap(([k, v]) => {
      const bad = invalidValue(v, false);
      return bad ? [bad.map((x) => [k, x] as const)] : [];
    });
    if (breakable.length > 0)
      out.push(fc.tuple(base, fc.oneof(...breakable)).map(([o, [k, x]]) => ({ ...o, [k]: x })));
  }
  return out.length > 0 ? fc.oneof(...out) : null;
}

// ---------------------------------------------------------------- requests

/**
 * Percent-encodes the UTF-8 bytes of a string, all but `keep`; unlike `encodeURIComponent` it
 * takes lone surrogates too (as U+FFFD, which is what a client's UTF-8 encoder sends).
 */
function percentEncode(v: string, keep = /[A-Za-z0-9_.~-]/): string {
  let out = '';
  for (const byte of Buffer.from(v, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && keep.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** How a path parameter is written into the URL: encoded, raw (slashes and all), twice, badly. */
const pathEncodings: fc.Arbitrary<(v: string) => string> = fc.constantFrom(
  (v: string) => percentEncode(v),
  (v: string) => percentEncode(v),
  (v: string) => percentEncode(v, /[A-Za-z0-9_.~\-/%?#]/),
  (v: string) => percentEncode(percentEncode(v)),
  (v: string) => `${percentEncode(v)}%E4%BD`,
  (v: string) => `${percentEncode(v)}%`,
);

const wire = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** A string or, one time in several, an adversarial one, for a parameter. */
function paramValue(g: Gen, p: Param, known: readonly string[]): string {
  const valid = g(() => fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, fc.constant(false)));
  return valid ? wire(g(() => validValue(p.schema, known))) : (g(() => adversarialString) as string);
}

/** Where an operation can be given input that its contract refuses for certain. */
function defectSites(op: Operation): { label: string; param?: Param; body?: true }[] {
  const sites: { label: string; param?: Param; body?: true }[] = [];
  for (const p of op.params) {
    if (p.required && p.in !== 'path') sites.push({ label: `${p.in} ${p.name} missing`, param: p });
    else if (invalidValue(p.schema, true)) sites.push({ label: `${p.in} ${p.name} invalid`, param: p });
  }
  if (op.body) sites.push({ label: 'body', body: true });
  return sites;
}

export const canBreak = (op: Operation) => defectSites(op).length > 0;

/**
 * One request to `op`, random in every part. With `defective`, one part (a parameter, a
 * required one left out, the body, its media type) certainly breaks the operation's contract,
 * so that the request must be refused.
 */
export function fuzzRequest(
  op: Operation,
  defective: boolean,
  known: readonly string[],
): fc.Arbitrary<FuzzRequest> {
  return fc.gen().map((gen) => {
    const g: Gen = (arb) => gen(arb as never);
    const sites = defectSites(op);
    const site = defective ? (g(() => fc.constantFrom(...sites)) as (typeof sites)[number]) : undefined;

    const values = new Map<Param, string | undefined | string[]>();
    for (const p of op.params) {
      const omit = !p.required && g(() => fc.boolean());
      if (omit || (p.in === 'header' && !p.required && g(() => fc.boolean()))) continue;
      if (p.in === 'query' && g(() => fc.integer({ min: 0, max: 9 })) === 0) {
        values.set(p, [paramValue(g, p, known), paramValue(g, p, known)]); // an array for a scalar
        continue;
      }
      values.set(p, paramValue(g, p, known));
    }
    if (site?.param) {
      const p = site.param;
      if (site.label.endsWith('missing')) values.delete(p);
      else values.set(p, g(() => invalidValue(p.schema, true)!) as string);
    }

    let path = op.path;
    for (const p of op.params.filter((x) => x.in === 'path')) {
      const v = (values.get(p) as string | undefined) ?? '';
      // a defect must reach the parameter as it is: encoded once
      const encode =
        site?.param === p
          ? (v: string) => percentEncode(v)
          : (g(() => pathEncodings) as (v: string) => string);
      path = path.replace(`{${p.name}}`, encode(v));
    }
    const query = new URLSearchParams();
    for (const p of op.params.filter((x) => x.in === 'query')) {
      const v = values.get(p);
      for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) query.append(p.name, one);
    }
    const unknown = g(() =>
      fc.dictionary(
        fc.oneof(fc.constantFrom('admin', '__proto__', 'limit[]', 'a.b'), fc.string()),
        adversarialString,
        {
          maxKeys: 2,
        },
      ),
    ) as Record<string, string>;
    for (const [k, v] of Object.entries(unknown)) query.append(k, v);

    const headers: Record<string, string> = {};
    for (const p of op.params.filter((x) => x.in === 'header')) {
      const v = values.get(p);
      if (typeof v !== 'string') continue;
      headers[p.name] = headerSafe(v) ? v : (g(() => adversarialHeader) as string);
    }
    if (site?.param?.in === 'header' && !site.label.endsWith('missing')) {
      const bad = invalidValue(site.param.schema, true) as fc.Arbitrary<string>;
      headers[site.param.name] = g(() => bad.filter(headerSafe)) as string;
    }

    let body: string | Uint8Array | undefined;
    let defect = site?.label;
    if (op.body) {
      const bodyDefect = site?.body;
      const shape = g(() =>
        bodyDefect
          ? fc.constantFrom('invalid', 'invalid', 'invalid', 'malformed', 'not-object', 'media-type')
          : fc.constantFrom('valid', 'noisy', 'noisy', 'malformed', 'not-object', 'media-type', 'none'),
      ) as string;
      if (bodyDefect) defect = `body ${shape}`;
      let value: unknown;
      if (shape === 'valid') value = g(() => validValue(op.body));
      else if (shape === 'invalid') value = g(() => invalidValue(op.body, false) ?? fc.constant([]));
      else if (shape === 'noisy') value = noisy(g, op.body, known);
      else if (shape === 'not-object') value = g(() => fc.constantFrom([], [{}], 'x', 42, null, true));
      if (shape === 'malformed') body = g(() => fc.constantFrom(...MALFORMED_BODIES)) as string | Uint8Array;
      else if (shape !== 'none') body = JSON.stringify(value);
      if (shape === 'media-type') {
        headers['content-type'] = g(() =>
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
          ),
        ) as string;
      } else if (shape !== 'none') {
        headers['content-type'] = g(() =>
          fc.constantFrom(
            'application/json',
            'application/json; charset=utf-8',
            'application/json;charset=UTF-8',
          ),
        ) as string;
      }
    }
    if (
      op.method === 'GET' &&
      op.path.startsWith('/api/v1/') &&
      g(() => fc.integer({ min: 0, max: 5 })) === 0
    ) {
      query.append('min_seq', g(() => adversarialString.filter((s) => !/^\d+$/.test(s))) as string);
    }
    const qs = query.toString();
    return { method: op.method, url: qs ? `${path}?${qs}` : path, headers, body, defect };
  });
}

/** A body object of the schema's fields, some valid, some adversarial, some unknown. */
function noisy(g: Gen, schema: Json, known: readonly string[]): unknown {
  const base = g(() => validValue(schema, known)) as Record<string, unknown>;
  if (!base || typeof base !== 'object') return base;
  const out: Record<string, unknown> = { ...base };
  for (const k of Object.keys(schema.properties ?? {})) {
    if (g(() => fc.integer({ min: 0, max: 3 })) === 0) out[k] = g(() => adversarialJson);
  }
  const extra = g(() =>
    fc.dictionary(fc.string({ maxLength: 12 }), adversarialJson, { maxKeys: 2 }),
  ) as Record<string, unknown>;
  return Object.assign(out, extra);
}
