import { randomUUID } from 'node:crypto';
import { InputError } from '../core/errors.ts';

/** One HTTP request, whatever carried it (API Gateway's payload v2 or node:http). */
export interface ApiRequest {
  method: string;
  /** The path without the query string or an API Gateway stage prefix, e.g. `/reports/od-…`. */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: string;
  /**
   * Claims an upstream authorizer has already verified (API Gateway's JWT authorizer). Only a trusted
   * adapter sets this; it is never filled from anything the client sent.
   */
  verifiedClaims?: Readonly<Record<string, unknown>>;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Request bodies are a few small JSON fields; anything bigger is refused before it is parsed. */
export const MAX_BODY_BYTES = 16 * 1024;

/** An error the API reports to the caller as it is: a status, a stable code and a readable message. */
export abstract class ApiError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly headers: Record<string, string> = {};
}

/** 400: the request is malformed; `field` names what to fix (`from`, `limit`, `body`…). */
export class ValidationError extends ApiError {
  override name = 'ValidationError';
  readonly status = 400;
  readonly code = 'invalid_request';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** 401: no token, or one that is malformed, forged, expired or meant for another audience. */
export class UnauthorizedError extends ApiError {
  override name = 'UnauthorizedError';
  readonly status = 401;
  readonly code = 'unauthorized';
  override readonly headers = { 'www-authenticate': 'Bearer realm="cbr-api"' };
}

/** 403: the caller is known but their profile may not use the reports API. */
export class ForbiddenError extends ApiError {
  override name = 'ForbiddenError';
  readonly status = 403;
  readonly code = 'forbidden';
}

/** 404: no such route or resource, including one that belongs to another tenant (never revealed as 403). */
export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
  readonly status = 404;
  readonly code = 'not_found';
}

export class MethodNotAllowedError extends ApiError {
  override name = 'MethodNotAllowedError';
  readonly status = 405;
  readonly code = 'method_not_allowed';
  override readonly headers: Record<string, string>;
  constructor(method: string, allowed: readonly string[]) {
    super(`${method} is not allowed here; use ${allowed.join(' or ')}`);
    this.headers = { allow: allowed.join(', ') };
  }
}

export class PayloadTooLargeError extends ApiError {
  override name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly code = 'payload_too_large';
  constructor(limit: number = MAX_BODY_BYTES) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

const BASE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...BASE_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      ...BASE_HEADERS,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'referrer-policy': 'no-referrer',
      ...headers,
    },
    body,
  };
}

export function redirect(location: string): ApiResponse {
  return { status: 302, headers: { location, ...BASE_HEADERS, 'referrer-policy': 'no-referrer' }, body: '' };
}

/**
 * The one place errors become responses: `{ "error": { "code", "message", "field"? } }`. An ApiError and
 * the core's InputError say what went wrong; anything else is a bug, logged with a reference and answered
 * as 500 without internals.
 */
export function errorResponse(error: unknown, log: (entry: Record<string, unknown>) => void = logError): ApiResponse {
  if (error instanceof ApiError) {
    const field = error instanceof ValidationError ? { field: error.field } : {};
    return json(error.status, { error: { code: error.code, message: error.message, ...field } }, error.headers);
  }
  if (error instanceof InputError) {
    return json(400, { error: { code: 'invalid_request', message: error.message } });
  }
  const reference = randomUUID();
  log({
    level: 'error',
    message: 'unhandled API error',
    reference,
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
  return json(500, { error: { code: 'internal', message: `internal error (reference ${reference})` } });
}

function logError(entry: Record<string, unknown>): void {
  console.error(JSON.stringify(entry));
}
