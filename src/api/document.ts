import { silentLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { createApp } from './create-app.js';
import { type OpenApiDocument, openApiDocument } from './openapi.js';

/** A stand-in that fails loudly if anything reads it: describing the routes reads no data. */
function untouched(what: string): never {
  return new Proxy(
    {},
    {
      get() {
        throw new Error(`describing the API must not use ${what}`);
      },
    },
  ) as never;
}

/**
 * The app with every route `serve` has, and no connection behind them: only the documentation
 * routes (`/openapi.json`, `/docs`) can answer. For generating the typed client and for tools.
 */
export function createUnconnectedApp() {
  return createApp({
    db: untouched('the database'),
    actions: untouched('actions'),
    sync: untouched('sync'),
    audit: untouched('the audit log'),
    keys: untouched('the API keys'),
    readiness: untouched('readiness'),
    metrics: createMetrics(),
    log: silentLogger(),
  });
}

/** The OpenAPI document of the service as `serve` runs it, made without any connection. */
export function serviceDocument(): OpenApiDocument {
  return openApiDocument(createUnconnectedApp());
}
