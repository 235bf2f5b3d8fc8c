import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadQueries, parseQuery, stripCommentsAndStrings } from '../src/core/sql-catalog.ts';
import { trinoValidator, type SyntaxError } from './support/trino-syntax.ts';

const queries = [...loadQueries().values()];

it('finds the shared queries (each test below runs per query)', () => {
  expect(queries.map((q) => q.name).sort()).toEqual(['contact_activity', 'contact_base', 'sales_heatmap']);
});
const compatSql = readFileSync(new URL('../src/local/duckdb-compat.sql', import.meta.url), 'utf8');
const macros = new Set([...compatSql.matchAll(/create or replace macro (\w+)/g)].map((m) => m[1]!));

/**
 * Functions that exist with the same meaning in Trino and DuckDB (checked by the metric tests on DuckDB).
 * grouping(col): the SQL-standard companion of GROUPING SETS, 1 when col is not in the row's grouping set, else 0.
 */
const PORTABLE_FUNCTIONS = new Set([
  'count',
  'sum',
  'min',
  'max',
  'coalesce',
  'substr',
  'replace',
  'date_trunc',
  'hour',
  'grouping',
]);
/** Words followed by "(" that are syntax, not functions. */
const SYNTAX = new Set([
  'cast',
  'sets', // GROUPING SETS (...)
  'in',
  'as',
  'values',
  'and',
  'or',
  'not',
  'exists',
  'over',
  'filter',
  'from',
  'join',
  'on',
]);

/** Idioms that parse on both engines but mean different things on each. */
const NON_PORTABLE: { pattern: RegExp; why: string }[] = [
  {
    pattern: /\bat\s+time\s+zone\b/i,
    why: 'AT TIME ZONE means the opposite on naive timestamps in DuckDB: use at_timezone()',
  },
  { pattern: /\bdate_diff\s*\(/i, why: 'date_diff counts whole units in Trino but boundaries in DuckDB' },
  { pattern: /\bdate_add\s*\(/i, why: 'date_add has another signature in DuckDB: add an interval' },
  { pattern: /\bregexp_extract\s*\(/i, why: "regexp_extract gives NULL in Trino but '' in DuckDB on no match" },
  {
    pattern: /\bregexp_replace\s*\(/i,
    why: 'regexp_replace replaces every match in Trino but only the first in DuckDB',
  },
  {
    pattern: /\bcurrent_(date|timestamp)\b|\bnow\s*\(/i,
    why: 'reports are reproducible: instants come from parameters',
  },
  {
    pattern: /(?<![-/])\/(?![-/])/,
    why: 'integer division differs (5/2 is 2 in Trino, 2.5 in DuckDB): cast to double',
  },
];

function portabilityProblems(sql: string): string[] {
  const code = stripCommentsAndStrings(sql);
  const problems = NON_PORTABLE.filter((r) => r.pattern.test(code)).map((r) => r.why);
  // `name (a, b) as (` is a CTE with a column list, not a call.
  const cteNames = new Set([...code.matchAll(/\b(\w+)\s*\([\w\s,]*\)\s*as\s*\(/gi)].map((m) => m[1]!.toLowerCase()));
  for (const [, name] of code.matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/gi)) {
    const fn = name!.toLowerCase();
    if (!SYNTAX.has(fn) && !cteNames.has(fn) && !PORTABLE_FUNCTIONS.has(fn) && !macros.has(fn)) {
      problems.push(`${fn}() is not known to mean the same on Trino and DuckDB`);
    }
  }
  return problems;
}

describe('shared SQL', () => {
  let validate: (sql: string) => SyntaxError[];
  beforeAll(async () => {
    validate = await trinoValidator();
  });

  it.each(queries.map((q) => [q.name, q] as const))('%s is valid Trino (Athena engine v3) SQL', (_name, query) => {
    expect(validate(query.sql)).toEqual([]);
  });

  it.each(queries.map((q) => [q.name, q] as const))('%s uses only portable idioms', (_name, query) => {
    expect(portabilityProblems(query.sql)).toEqual([]);
  });

  it('the grammar check rejects broken SQL with its position', () => {
    const errors = validate('select count(distinct contact_id from contacts');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.line).toBe(1);
  });

  it.each([
    ["select hour(occurred_at at time zone 'UTC') from t", 'AT TIME ZONE'],
    ["select date_diff('day', a, b) from t", 'date_diff'],
    ["select date_add('day', 1, a) from t", 'date_add'],
    ["select regexp_extract(phone, '[0-9]+') from t", 'regexp_extract'],
    ["select regexp_replace(phone, ' ', '') from t", 'regexp_replace'],
    ['select count(*) from t where dt = current_date', 'reproducible'],
    ['select a / b from t', 'division'],
    ['select approx_distinct(contact_id) from t', 'approx_distinct'],
    ["select json_extract_scalar(doc, '$.a') from t", 'json_extract_scalar'],
  ])('the portability check rejects %s', (sql, mentioned) => {
    expect(portabilityProblems(sql).join('; ')).toContain(mentioned);
  });

  it('every query binds its parameters from its params header, never from spliced text', () => {
    for (const query of queries) {
      expect(query.params.length, query.name).toBeGreaterThan(0);
      expect(query.params, query.name).toContain('tenant_id');
    }
  });

  it('a params header that does not match the placeholders is refused', () => {
    expect(() => parseQuery('bad', '-- params: tenant_id\nselect 1 from t where a = ? and b = ?')).toThrow(
      /2 placeholders but 1 names/,
    );
    expect(() => parseQuery('bad', '-- params: tenant\nselect 1 from t where a = ?')).toThrow(
      /unknown parameter "tenant"/,
    );
  });

  it('every query reads only the tenant partition and a bounded dt range', () => {
    for (const query of queries) {
      const code = stripCommentsAndStrings(query.sql);
      const reads = [...code.matchAll(/\b(?:from|join)\s+(contacts|broadcast_events|services|service_messages)\b/g)]
        .length;
      const tenantFilters = (code.match(/\btenant_id\s*=\s*\?/g) ?? []).length;
      const dtFilters = (code.match(/\bdt\s*(=\s*\?|between\s*\?\s*and\s*\?)/g) ?? []).length;
      expect(tenantFilters, query.name).toBe(reads);
      expect(dtFilters, query.name).toBe(reads);
    }
  });
});
