import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createRoute, z } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import type { ApiApp } from '../env.js';
import { ApiError } from '../errors.js';
import { type OpenApiDocument, openApiDocument } from '../openapi.js';
import { ErrorSchema, jsonContent } from '../schemas.js';

/**
 * Where the API reference's script is. `npm run build` copies it next to the compiled module,
 * so a production install needs no dev dependency; from the sources it is read from
 * `@scalar/api-reference` itself.
 */
function referenceBundlePath(): string | null {
  const built = new URL('../assets/scalar-api-reference.js', import.meta.url);
  if (existsSync(built)) return fileURLToPath(built);
  try {
    return createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js');
  } catch {
    return null;
  }
}

export const DOCS_SCRIPT_PATH = '/docs/scalar.js';

const openapiRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['operations'],
  summary: 'This document: OpenAPI 3.1, generated from the zod schemas the routes validate with',
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z.object({ openapi: z.string() }).catchall(z.unknown()).openapi('OpenAPIDocument'),
        },
      },
      description: 'The OpenAPI document',
    },
  },
});

const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['operations'],
  summary: 'Interactive API reference (Scalar), served entirely by this service: it works offline',
  responses: { 200: { content: { 'text/html': { schema: z.string() } }, description: 'The reference page' } },
});

const scriptRoute = createRoute({
  method: 'get',
  path: DOCS_SCRIPT_PATH,
  tags: ['operations'],
  summary: "The reference page's script (the standalone build of @scalar/api-reference)",
  responses: {
    200: { content: { 'text/javascript': { schema: z.string() } }, description: 'The script' },
    503: jsonContent(
      ErrorSchema,
      'unavailable: the script is not installed (run npm run build, or install the dev dependencies)',
    ),
  },
});

/** `/openapi.json`, the reference page at `/docs`, and the page's script: nothing from a CDN. */
export function registerDocsRoutes(app: ApiApp) {
  let doc: OpenApiDocument | null = null;
  // routes are all registered before the first request: the document is made once
  app.openapi(openapiRoute, (c) => {
    doc ??= openApiDocument(app);
    return c.json(doc as { openapi: string }, 200);
  });

  const page = Scalar({
    url: '/openapi.json',
    cdn: DOCS_SCRIPT_PATH,
    pageTitle: 'im-hub API',
    theme: 'default',
    withDefaultFonts: false, // the default fonts come from Scalar's servers
    telemetry: false,
    hideClientButton: true,
    agent: { disabled: true },
    showDeveloperTools: 'never',
  });
  // the page handler is typed for a plain Hono context; it only calls c.html
  app.openapi(docsRoute, (c) => page(c as never, async () => {}) as never);

  let script: Promise<{ raw: Buffer; gzipped: Buffer }> | null = null;
  const load = async () => {
    const path = referenceBundlePath();
    if (!path) throw new Error('no API reference bundle');
    const raw = await readFile(path);
    return { raw, gzipped: await promisify(gzip)(raw) };
  };
  app.openapi(scriptRoute, async (c) => {
    script ??= load().catch((e: unknown) => {
      script = null;
      throw e;
    });
    const s = await script.catch(() => {
      throw new ApiError(
        503,
        'unavailable',
        'the API reference script is not installed: run npm run build, or npm install with dev dependencies',
      );
    });
    const gz = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    c.header('content-type', 'text/javascript; charset=utf-8');
    c.header('cache-control', 'public, max-age=3600');
    c.header('vary', 'accept-encoding');
    if (gz) c.header('content-encoding', 'gzip');
    return c.body(new Uint8Array(gz ? s.gzipped : s.raw), 200) as never;
  });
}
