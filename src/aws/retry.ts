/** Bounded retries with exponential backoff for AWS calls that were throttled or hit a transient server fault. */

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Error names AWS services use for "slow down". */
const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'InternalServerException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
]);

interface AwsErrorShape {
  name?: unknown;
  $retryable?: { throttling?: boolean } | undefined;
  $metadata?: { httpStatusCode?: number } | undefined;
}

const shape = (error: unknown): AwsErrorShape =>
  typeof error === 'object' && error !== null ? (error as AwsErrorShape) : {};

/** The service asked the caller to slow down. */
export function isThrottling(error: unknown): boolean {
  const e = shape(error);
  return (
    (typeof e.name === 'string' && THROTTLING_NAMES.has(e.name)) ||
    e.$retryable?.throttling === true ||
    e.$metadata?.httpStatusCode === 429
  );
}

/** Throttling, or a server-side fault that a later attempt may not hit. */
export function isTransient(error: unknown): boolean {
  if (isThrottling(error)) return true;
  const e = shape(error);
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.$retryable !== undefined) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 500 || status === 502 || status === 503 || status === 504;
}

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** Delay before the second attempt; it grows by `factor` up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  factor?: number;
  sleep: Sleep;
  random?: () => number;
  retryable?: (error: unknown) => boolean;
}

/** The call still failed with a retryable error after every attempt. */
export class RetriesExhausted extends Error {
  override name = 'RetriesExhausted';
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`gave up after ${attempts} attempts: ${describeError(lastError)}`, { cause: lastError });
  }
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random. */
export function backoffDelay(
  retry: number,
  baseMs: number,
  maxMs: number,
  factor = 2,
  random: () => number = Math.random,
): number {
  const capped = Math.min(maxMs, baseMs * factor ** retry);
  return Math.round(capped / 2 + (capped / 2) * random());
}

/**
 * Calls `fn` until it succeeds, a non-retryable error is thrown (rethrown as is), or the attempts run out
 * (RetriesExhausted, carrying the last error).
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const retryable = options.retryable ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!retryable(error)) throw error;
      if (attempt >= options.attempts) throw new RetriesExhausted(attempt, error);
      await options.sleep(backoffDelay(attempt - 1, options.baseMs, options.maxMs, options.factor, options.random));
    }
  }
}

/** "Name: message" of an AWS SDK error (or anything thrown), on one line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message.split('\n')[0]!.trim();
    if (!message || message === error.name) return error.name;
    return error.name && error.name !== 'Error' ? `${error.name}: ${message}` : message;
  }
  return String(error);
}
