import type { QueryExecution } from './report.types.ts';
import type { SqlQuery } from './sql-catalog.ts';

export type SqlValue = string | number;
export type Row = Record<string, string | number | boolean | null>;

export interface QueryResult {
  rows: Row[];
  execution: QueryExecution;
}

/**
 * Runs the shared SQL for one tenant. DuckDB over a local lake folder and Athena over S3 implement it.
 * Values are bound to the query's `?` placeholders in order, never spliced into its text.
 */
export interface QueryEngine {
  readonly kind: 'duckdb' | 'athena';
  /** dt of the tenant's newest contacts snapshot, or null when it has none. */
  newestSnapshot(): Promise<string | null>;
  run(query: SqlQuery, values: SqlValue[]): Promise<QueryResult>;
  close(): Promise<void>;
}

/** Opens an engine scoped to one tenant; rejects with a LakeError when the lake has no data for it. */
export type EngineFactory = (tenantId: string) => Promise<QueryEngine>;
