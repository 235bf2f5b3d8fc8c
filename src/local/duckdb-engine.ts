import { readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LakeError, QueryError } from '../core/errors.ts';
import { LAKE_SCHEMA, type ColumnSpec } from '../core/lake-schema.ts';
import type { EngineFactory, QueryEngine, QueryResult, Row, SqlValue } from '../core/query-engine.port.ts';
import { TABLES, type TableName } from '../core/report.types.ts';
import { sqlString, type SqlQuery } from '../core/sql-catalog.ts';
import { discoverTenantFiles, type TenantFiles } from './lake-files.ts';

const COMPAT_SQL = readFileSync(new URL('./duckdb-compat.sql', import.meta.url), 'utf8');

/** ISO-8601 with a date, a time and a zone (Z or an offset): the only timestamp form the contract allows in JSON. */
const ISO_INSTANT = String.raw`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$`;

export interface DuckDbOptions {
  lakeDir: string;
  /**
   * DuckDB's memory limit (default DEFAULT_MEMORY_LIMIT). The process needs about 300 MB more than this (Node,
   * DuckDB's own structures): the default keeps a scale-1 report under 1 GiB of RSS (see bench/).
   */
  memoryLimit?: string;
  threads?: number;
}

export const DEFAULT_MEMORY_LIMIT = '400MB';

const sqlList = (items: string[]) => `[${items.map(sqlString).join(', ')}]`;
/**
 * Bytes read_csv buffers per file it reads: twice its default maximum line (2 MiB). Its own default (16 lines)
 * reserves so much memory per open file that NDJSON reports failed under a few hundred MB of memory_limit.
 */
const CSV_BUFFER_BYTES = 4 * 1024 * 1024;
const HIVE = `hive_partitioning = true, hive_types = {'tenant_id': 'VARCHAR', 'dt': 'VARCHAR'}`;

/** An expression reading one contract column, and whether a present value failed to parse. */
interface ColumnRead {
  value: string;
  failed: string;
}

/** An ISO-8601 instant from text; DuckDB needs the seconds, which ISO-8601 (and Athena) allow to omit. */
function parseInstant(text: string): string {
  const withSeconds = `regexp_replace(${text}, '^(\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2})(Z|[+-])', '\\1:00\\2')`;
  return `case when regexp_matches(${text}, ${sqlString(ISO_INSTANT)}) then try_cast(${withSeconds} as timestamptz) end`;
}

/** A contract column of an NDJSON line, from `fields` (every column extracted in one parse of the line). */
function jsonColumn(c: ColumnSpec, index: number): ColumnRead {
  const raw = `fields[${index + 1}]`;
  if (c.type === 'string') return { value: raw, failed: 'false' };
  const value = parseInstant(raw);
  return { value, failed: `(${raw} is not null and (${value}) is null)` };
}

function parquetColumn(c: ColumnSpec, sourceType: string | undefined): ColumnRead {
  const name = `"${c.name}"`;
  if (sourceType === undefined)
    return { value: `cast(null as ${c.type === 'string' ? 'varchar' : 'timestamptz'})`, failed: 'false' };
  if (c.type === 'string') return { value: `cast(${name} as varchar)`, failed: 'false' };
  if (sourceType.startsWith('TIMESTAMP') || sourceType === 'DATE') {
    // Naive Parquet timestamps are read as UTC: the session time zone is UTC.
    return { value: `cast(${name} as timestamptz)`, failed: 'false' };
  }
  if (sourceType === 'VARCHAR') {
    const value = parseInstant(name);
    return { value, failed: `(${name} is not null and (${value}) is null)` };
  }
  return { value: 'cast(null as timestamptz)', failed: `(${name} is not null)` };
}

/** The canonical relation: contract columns, typed; a row with an unparseable value reads as all nulls. */
function selectCanonical(table: TableName, reads: ColumnRead[], source: string, extraFailed = 'false'): string {
  const failed = [extraFailed, ...reads.map((r) => r.failed)].filter((f) => f !== 'false');
  const ok = failed.length ? `not (${failed.join(' or ')})` : 'true';
  const columns = LAKE_SCHEMA[table].map((c, i) => `case when ${ok} then ${reads[i]!.value} end as "${c.name}"`);
  return `select tenant_id, dt, ${columns.join(', ')} from ${source}`;
}

export class DuckDbEngine implements QueryEngine {
  readonly kind = 'duckdb';
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly files: TenantFiles,
  ) {}

  static async open(options: DuckDbOptions, tenantId: string): Promise<DuckDbEngine> {
    const files = await discoverTenantFiles(options.lakeDir, tenantId);
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'true',
      memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      ...(options.threads ? { threads: String(options.threads) } : {}),
    });
    const connection = await instance.connect();
    const engine = new DuckDbEngine(instance, connection, files);
    try {
      await connection.run(`set TimeZone = 'UTC'`);
      // Opening reads every file's footer to type the views; the queries then reuse them instead of reading them again.
      await connection.run(`set parquet_metadata_cache = true`);
      await connection.run(COMPAT_SQL);
      for (const table of TABLES) await engine.createView(table);
    } catch (error) {
      await engine.close();
      throw error instanceof LakeError ? error : new LakeError(readableLakeError(error));
    }
    return engine;
  }

  private async createView(table: TableName): Promise<void> {
    const specs = LAKE_SCHEMA[table];
    const { parquet, ndjson } = this.files.tables[table];
    const parts: string[] = [];
    if (parquet.length) {
      const source = `read_parquet(${sqlList(parquet)}, ${HIVE}, union_by_name = true)`;
      const described = await this.connection.runAndReadAll(`describe select * from ${source}`);
      const types = new Map(described.getRowObjectsJS().map((r) => [String(r.column_name), String(r.column_type)]));
      parts.push(
        selectCanonical(
          table,
          specs.map((c) => parquetColumn(c, types.get(c.name))),
          source,
        ),
      );
    }
    if (ndjson.length) {
      // Read each line as text and parse it here, so a malformed line becomes a counted skipped row.
      const lines = `read_csv(${sqlList(ndjson)}, columns = {'line': 'VARCHAR'}, header = false, delim = chr(31), quote = '', escape = '', buffer_size = ${CSV_BUFFER_BYTES}, ${HIVE})`;
      const docs = `select tenant_id, dt, try_cast(line as json) as doc from ${lines} where trim(coalesce(line, '')) <> ''`;
      // Each JSON function parses the text again: extract every column with one call (a list of paths).
      const paths = specs.map((c) => sqlString(`$."${c.name}"`)).join(', ');
      const source = `(select tenant_id, dt, doc, json_extract_string(doc, [${paths}]) as fields from (${docs}))`;
      parts.push(selectCanonical(table, specs.map(jsonColumn), source, `(doc is null or json_type(doc) <> 'OBJECT')`));
    }
    if (!parts.length) {
      const columns = specs.map(
        (c) => `cast(null as ${c.type === 'string' ? 'varchar' : 'timestamptz'}) as "${c.name}"`,
      );
      parts.push(
        `select cast(null as varchar) as tenant_id, cast(null as varchar) as dt, ${columns.join(', ')} where false`,
      );
    }
    await this.connection.run(`create or replace temp view ${table} as ${parts.join(' union all ')}`);
  }

  async newestSnapshot(): Promise<string | null> {
    return this.files.partitions.contacts.at(-1) ?? null;
  }

  run(query: SqlQuery, values: SqlValue[]): Promise<QueryResult> {
    const next = this.queue.then(() => this.execute(query, values));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async execute(query: SqlQuery, values: SqlValue[]): Promise<QueryResult> {
    const started = performance.now();
    try {
      const reader = await this.connection.runAndReadAll(query.sql, values);
      const rows = reader.getRowObjectsJS().map(toRow);
      return { rows, execution: { query: query.name, engineMs: Math.round(performance.now() - started) } };
    } catch (error) {
      throw new QueryError(query.name, readableLakeError(error), { cause: error });
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function toRow(raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'bigint') row[key] = Number(value);
    else if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      row[key] = value;
    else row[key] = String(value);
  }
  return row;
}

/** DuckDB's first message line (without its SQL excerpt), reworded when it is about a file of the lake. */
function readableLakeError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  const file = /([^\s'"]+\.(?:parquet|json|ndjson)(?:\.gz)?)\b/.exec(message)?.[1];
  return file ? `cannot read lake file ${file}: ${message}` : message;
}

export function duckDbEngineFactory(options: DuckDbOptions): EngineFactory {
  return (tenantId) => DuckDbEngine.open(options, tenantId);
}
