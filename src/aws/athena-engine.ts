import { randomUUID } from 'node:crypto';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { LakeError, QueryError } from '../core/errors.ts';
import type { EngineFactory, QueryEngine, QueryResult, Row, SqlValue } from '../core/query-engine.port.ts';
import { validateTenantId } from '../core/report-request.ts';
import { TABLES } from '../core/report.types.ts';
import { sqlString, type SqlQuery } from '../core/sql-catalog.ts';
import {
  backoffDelay,
  describeError,
  isTransient,
  realSleep,
  RetriesExhausted,
  withRetry,
  type Sleep,
} from './retry.ts';

export interface AthenaEngineOptions {
  athena: AthenaClient;
  s3: S3Client;
  /** The workgroup runs the queries: engine v3, results location, encryption and bytes-scanned cutoff are its own. */
  workgroup: string;
  /** The Glue database holding the four lake tables. */
  database: string;
  catalog?: string;
  /** The bucket holding `<prefix><table>/tenant_id=<t>/dt=<YYYY-MM-DD>/…`. */
  lakeBucket: string;
  lakePrefix?: string;
  /** Delay between status polls: starts at `initial`, grows ×1.5 up to `max`. */
  pollIntervalMs?: { initial: number; max: number };
  /** How long a query may run before it is stopped. */
  deadlineMs?: number;
  /** Queries in flight at once, per engine. */
  maxConcurrency?: number;
  /** Attempts for a throttled AWS call (the first one included). */
  throttleAttempts?: number;
  sleep?: Sleep;
  now?: () => number;
  random?: () => number;
}

interface Settings {
  athena: AthenaClient;
  s3: S3Client;
  workgroup: string;
  database: string;
  catalog: string;
  lakeBucket: string;
  lakePrefix: string;
  poll: { initial: number; max: number };
  deadlineMs: number;
  maxConcurrency: number;
  throttleAttempts: number;
  sleep: Sleep;
  now: () => number;
  random: () => number;
}

export const DEFAULT_DEADLINE_MS = 5 * 60_000;
export const DEFAULT_MAX_CONCURRENCY = 4;
const POLL_FACTOR = 1.5;
const THROTTLE_BASE_MS = 500;
const THROTTLE_MAX_MS = 8_000;
const PAGE_SIZE = 1000;
/** Athena's limit on one ExecutionParameters item. */
const MAX_PARAMETER_LENGTH = 1024;

/**
 * The reason Athena gives when a workgroup's per-query data usage control (BytesScannedCutoffPerQuery) stops a
 * query: "Bytes scanned limit was exceeded" (state CANCELLED on Athena; some simulators report FAILED).
 */
const BYTES_SCANNED_LIMIT =
  /bytes[\s_-]*scanned[\s_-]*(limit|cut[\s_-]*off)|data[\s_-]*scanned[\s_-]*limit|scan(ned)?[\s_-]*limit[\s\w]*exceeded|BytesScannedCutoff/i;

const ERROR_CATEGORIES: Record<number, string> = { 1: 'system', 2: 'user', 3: 'other' };

function settings(options: AthenaEngineOptions): Settings {
  const required = { workgroup: options.workgroup, database: options.database, lakeBucket: options.lakeBucket };
  for (const [key, value] of Object.entries(required)) {
    if (typeof value !== 'string' || !value.trim()) throw new Error(`athena engine: option ${key} is required`);
  }
  const maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new Error(`athena engine: maxConcurrency must be a whole number ≥ 1, got ${maxConcurrency}`);
  }
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!(deadlineMs > 0)) throw new Error(`athena engine: deadlineMs must be positive, got ${deadlineMs}`);
  const poll = options.pollIntervalMs ?? { initial: 200, max: 2_000 };
  if (!(poll.initial > 0) || !(poll.max >= poll.initial)) {
    throw new Error(`athena engine: pollIntervalMs needs 0 < initial ≤ max, got ${JSON.stringify(poll)}`);
  }
  let prefix = (options.lakePrefix ?? '').replace(/^\/+/, '');
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  return {
    athena: options.athena,
    s3: options.s3,
    workgroup: options.workgroup,
    database: options.database,
    catalog: options.catalog ?? 'AwsDataCatalog',
    lakeBucket: options.lakeBucket,
    lakePrefix: prefix,
    poll,
    deadlineMs,
    maxConcurrency,
    throttleAttempts: Math.max(1, options.throttleAttempts ?? 6),
    sleep: options.sleep ?? realSleep,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
}

/** One value as the Athena literal ExecutionParameters expects: strings quoted, numbers as numerals. */
export function athenaLiteral(value: SqlValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot bind ${value}: Athena parameters must be finite numbers`);
    return Number.isSafeInteger(value) ? String(value) : String(value).toUpperCase();
  }
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new Error(`cannot bind a string containing a NUL character`);
    return sqlString(value);
  }
  throw new Error(`cannot bind a ${typeof value}: expected a string or a number`);
}

/** Sized lock: at most `size` holders at once, waiters served in order. */
class Semaphore {
  private held = 0;
  private readonly waiting: { grant: () => void; refuse: (error: Error) => void }[] = [];

  constructor(private readonly size: number) {}

  acquire(): Promise<void> {
    if (this.held < this.size) {
      this.held++;
      return Promise.resolve();
    }
    return new Promise((grant, refuse) => this.waiting.push({ grant, refuse }));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.held--;
  }

  refuseWaiting(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.refuse(error);
  }
}

const lakeUri = (s: Settings) => `s3://${s.lakeBucket}/${s.lakePrefix}`;

async function listPrefixes(
  s: Settings,
  prefix: string,
  what: string,
  handle: (page: { prefixes: string[]; keys: number }) => boolean | void,
  maxKeys?: number,
): Promise<void> {
  let token: string | undefined;
  do {
    let page;
    try {
      page = await withRetry(
        () =>
          s.s3.send(
            new ListObjectsV2Command({
              Bucket: s.lakeBucket,
              Prefix: prefix,
              Delimiter: '/',
              ...(maxKeys ? { MaxKeys: maxKeys } : {}),
              ...(token ? { ContinuationToken: token } : {}),
            }),
          ),
        {
          attempts: s.throttleAttempts,
          baseMs: THROTTLE_BASE_MS,
          maxMs: THROTTLE_MAX_MS,
          sleep: s.sleep,
          random: s.random,
        },
      );
    } catch (error) {
      const cause = error instanceof RetriesExhausted ? error.lastError : error;
      throw new LakeError(`cannot list ${what} in the lake s3://${s.lakeBucket}/${prefix}: ${describeError(cause)}`, {
        cause,
      });
    }
    const prefixes = (page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter(Boolean);
    const stop = handle({ prefixes, keys: (page.Contents ?? []).length + prefixes.length });
    if (stop === true) return;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}

export class AthenaEngine implements QueryEngine {
  readonly kind = 'athena';
  private readonly slots: Semaphore;
  /** Executions started and not yet finished, so close() can stop them. */
  private readonly active = new Set<string>();
  private closed = false;

  private constructor(
    private readonly s: Settings,
    readonly tenantId: string,
  ) {
    this.slots = new Semaphore(s.maxConcurrency);
  }

  /** Opens an engine for a tenant that has data in the lake; rejects with a LakeError otherwise. */
  static async open(options: AthenaEngineOptions, tenantId: string): Promise<AthenaEngine> {
    const s = settings(options);
    validateTenantId(tenantId);
    const found = await Promise.all(
      TABLES.map(async (table) => {
        let any = false;
        await listPrefixes(
          s,
          `${s.lakePrefix}${table}/tenant_id=${tenantId}/`,
          `table ${table}`,
          ({ keys }) => {
            any = keys > 0;
            return true;
          },
          1,
        );
        return any;
      }),
    );
    if (!found.some(Boolean)) {
      throw new LakeError(`unknown tenant "${tenantId}": the lake ${lakeUri(s)} holds no data for it`);
    }
    return new AthenaEngine(s, tenantId);
  }

  async newestSnapshot(): Promise<string | null> {
    const prefix = `${this.s.lakePrefix}contacts/tenant_id=${this.tenantId}/dt=`;
    let newest: string | null = null;
    await listPrefixes(this.s, prefix, 'contacts snapshots', ({ prefixes }) => {
      for (const p of prefixes) {
        if (!p.startsWith(prefix)) continue;
        const dt = p.slice(prefix.length).replace(/\/$/, '');
        if (isCalendarDate(dt) && (newest === null || dt > newest)) newest = dt;
      }
    });
    return newest;
  }

  async run(query: SqlQuery, values: SqlValue[]): Promise<QueryResult> {
    if (this.closed) throw new QueryError(query.name, 'the Athena engine is closed');
    const parameters = this.parameters(query, values);
    await this.slots.acquire().catch(() => {
      throw new QueryError(query.name, 'the Athena engine was closed before the query started');
    });
    try {
      if (this.closed) throw new QueryError(query.name, 'the Athena engine is closed');
      const id = await this.start(query, parameters);
      this.active.add(id);
      try {
        const execution = await this.waitFor(query, id);
        const rows = await this.results(query, id);
        const stats = execution.Statistics;
        return {
          rows,
          execution: {
            query: query.name,
            engineMs: stats?.EngineExecutionTimeInMillis ?? 0,
            ...(stats?.DataScannedInBytes !== undefined ? { bytesScanned: stats.DataScannedInBytes } : {}),
          },
        };
      } finally {
        this.active.delete(id);
      }
    } finally {
      this.slots.release();
    }
  }

  /** Stops the queries still running and refuses new ones; the injected clients stay open (they are the caller's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.slots.refuseWaiting(new Error('closed'));
    const running = [...this.active];
    await Promise.all(running.map((id) => this.stop(id)));
  }

  private parameters(query: SqlQuery, values: SqlValue[]): string[] {
    if (values.length !== query.params.length) {
      throw new QueryError(
        query.name,
        `${values.length} values for ${query.params.length} parameters (${query.params.join(', ')})`,
      );
    }
    return values.map((value, i) => {
      let literal: string;
      try {
        literal = athenaLiteral(value);
      } catch (error) {
        throw new QueryError(query.name, `parameter ${i + 1} (${query.params[i]}): ${(error as Error).message}`);
      }
      if (literal.length > MAX_PARAMETER_LENGTH) {
        throw new QueryError(
          query.name,
          `parameter ${i + 1} (${query.params[i]}) is ${literal.length} characters long; Athena accepts at most ${MAX_PARAMETER_LENGTH}`,
        );
      }
      return literal;
    });
  }

  /** One AWS call, retried while throttled; failures become QueryErrors naming the call. */
  private async call<T>(query: SqlQuery, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, {
        attempts: this.s.throttleAttempts,
        baseMs: THROTTLE_BASE_MS,
        maxMs: THROTTLE_MAX_MS,
        sleep: this.s.sleep,
        random: this.s.random,
        retryable: isTransient,
      });
    } catch (error) {
      if (error instanceof RetriesExhausted) {
        throw new QueryError(
          query.name,
          `Athena ${what} was throttled or unavailable on all ${error.attempts} attempts; last error: ${describeError(error.lastError)}`,
          { cause: error.lastError },
        );
      }
      throw new QueryError(query.name, `Athena ${what} failed: ${describeError(error)}`, { cause: error });
    }
  }

  private async start(query: SqlQuery, parameters: string[]): Promise<string> {
    // One token for every attempt: a retried start returns the execution the first attempt may have created.
    const token = randomUUID();
    const output = await this.call(query, 'StartQueryExecution', () =>
      this.s.athena.send(
        new StartQueryExecutionCommand({
          QueryString: query.sql,
          WorkGroup: this.s.workgroup,
          QueryExecutionContext: { Database: this.s.database, Catalog: this.s.catalog },
          ...(parameters.length ? { ExecutionParameters: parameters } : {}),
          ClientRequestToken: token,
        }),
      ),
    );
    if (!output.QueryExecutionId)
      throw new QueryError(query.name, 'Athena StartQueryExecution returned no execution id');
    return output.QueryExecutionId;
  }

  private async waitFor(query: SqlQuery, id: string): Promise<QueryExecution> {
    const started = this.s.now();
    const deadline = started + this.s.deadlineMs;
    let retry = 0;
    let state = 'QUEUED';
    for (;;) {
      const remaining = deadline - this.s.now();
      if (remaining <= 0) {
        await this.stop(id);
        throw new QueryError(
          query.name,
          `timed out after ${Math.round(this.s.deadlineMs / 1000)} s (Athena query ${id} was still ${state}; it has been stopped)`,
        );
      }
      const delay = backoffDelay(retry++, this.s.poll.initial, this.s.poll.max, POLL_FACTOR, this.s.random);
      await this.s.sleep(Math.min(delay, remaining));
      if (this.closed) throw new QueryError(query.name, `the Athena engine was closed while query ${id} ran`);

      let output;
      try {
        output = await this.call(query, 'GetQueryExecution', () =>
          this.s.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
        );
      } catch (error) {
        await this.stop(id);
        throw error;
      }
      const execution = output.QueryExecution;
      state = execution?.Status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return execution!;
      if (state === 'FAILED' || state === 'CANCELLED') throw this.failure(query, id, execution!);
    }
  }

  private failure(query: SqlQuery, id: string, execution: QueryExecution): QueryError {
    const status = execution.Status ?? {};
    const reason = status.StateChangeReason?.trim() ?? '';
    const error = status.AthenaError;
    const texts = [reason, error?.ErrorMessage ?? ''].join('\n');
    const scanned = execution.Statistics?.DataScannedInBytes;

    if (BYTES_SCANNED_LIMIT.test(texts)) {
      return new QueryError(
        query.name,
        `hit the bytes-scanned limit of workgroup "${this.s.workgroup}" and was stopped` +
          (scanned !== undefined ? ` after scanning ${scanned} bytes` : '') +
          ` (Athena query ${id}: ${reason || error?.ErrorMessage})` +
          `; narrow the report period or raise the workgroup's BytesScannedCutoffPerQuery`,
      );
    }
    if (status.State === 'CANCELLED') {
      return new QueryError(query.name, `Athena query ${id} was cancelled` + (reason ? `: ${reason}` : ''));
    }
    const details: string[] = [];
    if (error?.ErrorCategory !== undefined) {
      const category = ERROR_CATEGORIES[error.ErrorCategory];
      details.push(`category ${category ? `${category} (${error.ErrorCategory})` : error.ErrorCategory}`);
    }
    if (error?.ErrorType !== undefined) details.push(`type ${error.ErrorType}`);
    if (error?.ErrorMessage && error.ErrorMessage.trim() !== reason) details.push(error.ErrorMessage.trim());
    if (error?.Retryable) details.push('retryable');
    return new QueryError(
      query.name,
      `Athena query ${id} failed: ${reason || 'no reason given'}` + (details.length ? ` [${details.join('; ')}]` : ''),
    );
  }

  /** Best effort: a query that cannot be stopped ends on its own or at the workgroup's limits. */
  private async stop(id: string): Promise<void> {
    try {
      await this.s.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    } catch {
      // ignored: the caller reports the reason it stopped the query
    }
  }

  private async results(query: SqlQuery, id: string): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: ColumnInfo[] | undefined;
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.call(query, 'GetQueryResults', () =>
        this.s.athena.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            MaxResults: PAGE_SIZE,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo;
      if (!columns) throw new QueryError(query.name, `Athena query ${id} returned no column metadata`);
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page holds the column names.
      for (const row of first ? data.slice(1) : data) rows.push(toRow(query, columns, row.Data ?? []));
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }
}

function toRow(query: SqlQuery, columns: ColumnInfo[], data: { VarCharValue?: string | undefined }[]): Row {
  const row: Row = {};
  columns.forEach((column, i) => {
    const name = column.Name ?? `_col${i}`;
    row[name] = convert(query, name, column.Type ?? 'varchar', data[i]?.VarCharValue);
  });
  return row;
}

const INTEGER_TYPES = new Set(['bigint', 'integer', 'int', 'smallint', 'tinyint']);
const DECIMAL_TYPES = new Set(['double', 'real', 'float', 'decimal']);

function convert(query: SqlQuery, column: string, type: string, value: string | undefined): Row[string] {
  if (value === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*$/, '').trim();
  const bad = (expected: string) =>
    new QueryError(query.name, `column ${column} (${type}): ${JSON.stringify(value)} is not ${expected}`);
  if (INTEGER_TYPES.has(base)) {
    if (!/^-?\d+$/.test(value.trim())) throw bad('an integer');
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
      throw new QueryError(
        query.name,
        `column ${column} (${type}): ${value} is beyond 2^53 and cannot be represented exactly as a JavaScript number`,
      );
    }
    return n;
  }
  if (DECIMAL_TYPES.has(base)) {
    const text = value.trim();
    if (/^(NaN|[+-]?Infinity)$/.test(text)) return Number(text);
    const n = Number(text);
    if (text === '' || Number.isNaN(n)) throw bad('a number');
    return n;
  }
  if (base === 'boolean') {
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw bad('a boolean');
  }
  return value;
}

export function athenaEngineFactory(options: AthenaEngineOptions): EngineFactory {
  settings(options); // fail at wiring time on a bad option, not at the first report
  return (tenantId) => AthenaEngine.open(options, tenantId);
}
