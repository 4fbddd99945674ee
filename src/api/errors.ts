import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { OutOfScopeError } from '../commands/actions.js';
import type { Logger } from '../logger.js';
import type { AppEnv } from './env.js';

export interface FieldIssue {
  field: string;
  message: string;
}

/** An error a handler raises on purpose; `onError` turns it into the JSON error body. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string, id: string) =>
  new ApiError(404, 'not_found', `${what} ${JSON.stringify(id)} does not exist`);

/** The request is valid but the resource's state refuses it (e.g. editing a recalled message). */
export const conflict = (code: string, message: string) => new ApiError(409, code, message);

export const badRequest = (field: string, message: string) =>
  new ApiError(400, 'invalid_request', `${field}: ${message}`, [{ field, message }]);

/** The body of every error response. */
export function errorBody(code: string, message: string, issues: FieldIssue[] = []) {
  return { error: { code, message, ...(issues.length > 0 ? { field: issues[0]!.field, issues } : {}) } };
}

export function zodIssues(error: z.ZodError, target?: string): FieldIssue[] {
  return error.issues.map((i) => ({
    field: i.path.length > 0 ? i.path.join('.') : (target ?? '(body)'),
    message: i.message,
  }));
}

/** The validation hook every route uses: a failed parse becomes a 400 naming the fields. */
export function validationHook(
  result: { success: true; data: unknown } | { success: false; error: z.ZodError },
  c: Context,
) {
  if (result.success) return;
  const issues = zodIssues(result.error);
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return c.json(errorBody('invalid_request', summary, issues), 400);
}

/**
 * Hono's own refusals, said in the API's words: a 400 comes from reading the body (not JSON),
 * a 415 from its media type; both name the body as the field at fault.
 */
function httpExceptionResponse(err: HTTPException, c: Context<AppEnv>) {
  const status = err.status as ContentfulStatusCode;
  if (status === 400) {
    const issue = { field: '(body)', message: `${err.message || 'unreadable body'}; send a JSON object` };
    return c.json(errorBody('invalid_request', `(body): ${issue.message}`, [issue]), 400);
  }
  if (status === 415) {
    const sent = c.req.header('content-type');
    const issue = {
      field: '(body)',
      message: `${sent ? `media type ${JSON.stringify(sent)}` : 'no media type'} is not accepted; send the body as application/json`,
    };
    return c.json(errorBody('unsupported_media_type', `(body): ${issue.message}`, [issue]), 415);
  }
  const code = status === 413 ? 'payload_too_large' : 'http_error';
  return c.json(errorBody(code, err.message || 'request failed'), status);
}

/** Maps anything thrown in a handler to a JSON response, once, at the edge. */
export function createErrorHandler(log: Logger) {
  return (err: Error, c: Context<AppEnv>) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.issues), err.status);
    if (err instanceof OutOfScopeError) return c.json(errorBody('forbidden', err.message), 403);
    if (err instanceof HTTPException) return httpExceptionResponse(err, c);
    // the request's own logger, so that the line carries the request id the client sees
    (c.var.log ?? log).error({ err, path: c.req.path, method: c.req.method }, 'unhandled error');
    const where = c.var.requestId ? ` under request_id ${c.var.requestId}` : '';
    return c.json(errorBody('internal', `internal error; the service logged the details${where}`), 500);
  };
}
