import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueryParamName, QueryParams } from './report-window.ts';
import type { SqlValue } from './query-engine.port.ts';

export const QUERIES_DIR = fileURLToPath(new URL('../../queries/', import.meta.url));

/** One shared query: a .sql file whose header lists, in order, the parameters its `?` placeholders take. */
export interface SqlQuery {
  name: string;
  sql: string;
  params: QueryParamName[];
}

/** Every QueryParams name, once: the compiler refuses a missing or unknown one. */
const PARAM_NAMES: ReadonlySet<string> = new Set(
  Object.keys({
    tenant_id: true,
    timezone: true,
    period_start_at: true,
    period_end_at: true,
    previous_start_at: true,
    months_start_at: true,
    month_2_start_at: true,
    month_3_start_at: true,
    month_4_start_at: true,
    month_5_start_at: true,
    month_6_start_at: true,
    attribution_hours: true,
    period_dt_from: true,
    previous_dt_from: true,
    months_dt_from: true,
    first_dt: true,
    dt_to: true,
    snapshot_dt: true,
  } satisfies Record<QueryParamName, true>),
);

/** A SQL string literal (both engines escape a quote by doubling it). */
export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The SQL text without comments and string literals, so placeholders can be counted. */
export function stripCommentsAndStrings(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''");
}

export function parseQuery(name: string, sql: string): SqlQuery {
  const header = /^--\s*params:(.*)$/m.exec(sql);
  const params = (header?.[1] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of params) {
    if (!PARAM_NAMES.has(p)) throw new Error(`query ${name}: unknown parameter "${p}" in its params header`);
  }
  const placeholders = (stripCommentsAndStrings(sql).match(/\?/g) ?? []).length;
  if (placeholders !== params.length) {
    throw new Error(`query ${name}: ${placeholders} placeholders but ${params.length} names in its params header`);
  }
  return { name, sql, params: params as QueryParamName[] };
}

export function loadQueries(dir: string = QUERIES_DIR): Map<string, SqlQuery> {
  const queries = new Map<string, SqlQuery>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const name = file.slice(0, -'.sql'.length);
    queries.set(name, parseQuery(name, readFileSync(path.join(dir, file), 'utf8')));
  }
  return queries;
}

/** The values for a query's placeholders, in order. */
export function bindValues(query: SqlQuery, params: QueryParams): SqlValue[] {
  return query.params.map((name) => params[name]);
}
