import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenApiDocument } from '../../src/api/openapi.js';

type Json = any;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Hono's `/a/:id` as OpenAPI's `/a/{id}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Every operation of the document, as `GET /api/v1/messages/{id}`. */
export function documentedOperations(doc: OpenApiDocument): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {}))
    for (const m of METHODS) if ((item as Json)[m]) out.push(`${m.toUpperCase()} ${path}`);
  return out.sort();
}

/**
 * A copy of the document's schemas in which every object admits only the properties it
 * documents, so that a response with an undocumented field fails. `allOf` of a reference and an
 * extension (zod's `.extend()`) is merged into one object first, since closing each part alone
 * would refuse the other part's fields.
 */
function closeObjects(doc: OpenApiDocument): { components: Json; close: (s: Json) => Json } {
  const components = structuredClone((doc.components ?? {}) as Json);
  const resolve = (s: Json): Json =>
    s?.$ref?.startsWith('#/components/schemas/')
      ? resolve(components.schemas[s.$ref.slice('#/components/schemas/'.length)])
      : s;
  const isObjectPart = (s: Json) => {
    const r = resolve(s);
    return r && (r.type === 'object' || (r.type === undefined && r.properties === undefined && !r.anyOf));
  };
  const close = (s: Json): Json => {
    if (Array.isArray(s)) return s.map(close);
    if (!s || typeof s !== 'object') return s;
    let out: Json = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, close(v)]));
    if (Array.isArray(out.allOf) && out.allOf.every(isObjectPart)) {
      const { allOf, ...rest } = out;
      const merged: Json = { ...rest, type: 'object', properties: {}, required: [] };
      for (const part of allOf.map((p: Json) => close(resolve(p)))) {
        Object.assign(merged.properties, part.properties ?? {});
        merged.required.push(...(part.required ?? []));
      }
      out = merged;
    }
    const types = Array.isArray(out.type) ? out.type : [out.type];
    if (types.includes('object') && out.properties && out.additionalProperties === undefined)
      out.additionalProperties = false;
    return out;
  };
  return { components: close(components), close };
}

export interface SeenResponse {
  method: string;
  /** The path as requested, without the query. */
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

/**
 * Checks responses against the document: the operation (the most specific path template that
 * matches, as the router picks `/messages/sync` over `/messages/{id}`), the status, the media
 * type, and for JSON the body against the response's schema (JSON Schema 2020-12, closed
 * objects). Returns the operation matched.
 */
export function createResponseValidator(doc: OpenApiDocument) {
  const { components, close } = closeObjects(doc);
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new Map<string, ValidateFunction>();
  const templates = Object.keys(doc.paths ?? {}).map((t) => ({
    template: t,
    regex: new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    params: (t.match(/\{/g) ?? []).length,
  }));

  function responseOf(op: Json, status: number): Json {
    let r = op.responses?.[String(status)];
    while (r?.$ref) r = (doc.components as Json).responses[r.$ref.split('/').pop()];
    return r;
  }

  return function validate(seen: SeenResponse): { operation: string; errors: string[] } {
    const match = templates
      .filter((t) => t.regex.test(seen.path))
      .filter((t) => (doc.paths as Json)[t.template][seen.method.toLowerCase()])
      .sort((a, b) => a.params - b.params)[0];
    if (!match) return { operation: `${seen.method} ${seen.path}`, errors: ['no documented operation'] };
    const operation = `${seen.method} ${match.template}`;
    const op = (doc.paths as Json)[match.template][seen.method.toLowerCase()];
    const response = responseOf(op, seen.status);
    if (!response) return { operation, errors: [`status ${seen.status} is not documented`] };
    const media = (seen.contentType ?? '').split(';')[0]!.trim();
    const content = response.content?.[media];
    if (!content)
      return {
        operation,
        errors: [`${seen.status} as ${media} is not documented (${Object.keys(response.content ?? {})})`],
      };
    if (media !== 'application/json') return { operation, errors: [] };
    const key = `${operation} ${seen.status}`;
    let check = compiled.get(key);
    if (!check) {
      // the response's schema, closed, with the components beside it for its references
      check = ajv.compile({ ...close(content.schema), components });
      compiled.set(key, check);
    }
    const ok = check(seen.body);
    return {
      operation,
      errors: ok ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}`),
    };
  };
}

/** Nullable references must be `anyOf [ref, null]`: `allOf [ref, {type: [object, null]}]` admits no null. */
export function nullableRefsThatRejectNull(doc: OpenApiDocument): string[] {
  const bad: string[] = [];
  const walk = (s: Json, at: string) => {
    if (!s || typeof s !== 'object') return;
    if (
      Array.isArray(s.allOf) &&
      s.allOf.some((p: Json) => p.$ref) &&
      s.allOf.some((p: Json) => Array.isArray(p.type) && p.type.includes('null'))
    )
      bad.push(at);
    for (const [k, v] of Object.entries(s)) walk(v, `${at}/${k}`);
  };
  walk(doc, '#');
  return bad;
}
