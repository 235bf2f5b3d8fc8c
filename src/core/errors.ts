/** Errors a user can act on: the message names the problem. Anything else is a bug. */
export class InputError extends Error {
  override name = 'InputError';
}

/** The lake cannot answer: missing folder, unknown tenant, unreadable file. */
export class LakeError extends Error {
  override name = 'LakeError';
}

/** A query engine failed to run a query. */
export class QueryError extends Error {
  override name = 'QueryError';
  constructor(
    readonly query: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`query ${query}: ${message}`, options);
  }
}
