/**
 * What each shared query reads, from its SQL text: for every `from <lake table>`, the columns of that table the
 * SELECT around it names and the dt range it binds. This is what Athena bills (the column chunks of the selected
 * partitions), whichever engine runs the query.
 */
import { LAKE_SCHEMA } from '../src/core/lake-schema.ts';
import { TABLES, type TableName } from '../src/core/report.types.ts';
import type { QueryParams } from '../src/core/report-window.ts';
import { stripCommentsAndStrings, type SqlQuery } from '../src/core/sql-catalog.ts';

export interface TableRead {
  table: TableName;
  columns: string[];
  /** Inclusive dt range. */
  from: string;
  to: string;
}

const TABLE_FROM = new RegExp(`\\bfrom\\s+(${TABLES.join('|')})\\b`, 'gi');
const SET_OPERATOR = /\b(union|intersect|except)\b/gi;

/** The text inside the innermost parentheses that enclose `at` (the whole text at the top level). */
function enclosingGroup(code: string, at: number): { start: number; end: number } {
  const stack: number[] = [];
  for (let i = 0; i < at; i++) {
    if (code[i] === '(') stack.push(i);
    else if (code[i] === ')') stack.pop();
  }
  const open = stack.at(-1);
  if (open === undefined) return { start: 0, end: code.length };
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')' && --depth === 0) return { start: open + 1, end: i };
  }
  return { start: open + 1, end: code.length };
}

/** The part of `code[start, end)` at its own nesting level between set operators that holds `at`. */
function selectAround(code: string, start: number, end: number, at: number): { start: number; end: number } {
  let depth = 0;
  let from = start;
  let to = end;
  const levelZero: number[] = [];
  for (let i = start; i < end; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')') depth--;
    else if (depth === 0) levelZero.push(i);
  }
  const atLevel = new Set(levelZero);
  for (const m of code.slice(start, end).matchAll(SET_OPERATOR)) {
    const pos = start + m.index;
    if (!atLevel.has(pos)) continue;
    if (pos < at) from = pos;
    else if (pos > at && pos < to) to = pos;
  }
  return { start: from, end: to };
}

export function tableReads(query: SqlQuery, params: QueryParams): TableRead[] {
  const code = stripCommentsAndStrings(query.sql);
  const placeholderBefore = (pos: number) => (code.slice(0, pos).match(/\?/g) ?? []).length;
  const value = (index: number) => String(params[query.params[index]!]);
  const reads: TableRead[] = [];
  for (const m of code.matchAll(TABLE_FROM)) {
    const table = m[1]!.toLowerCase() as TableName;
    const group = enclosingGroup(code, m.index);
    const select = selectAround(code, group.start, group.end, m.index);
    const text = code.slice(select.start, select.end);
    const words = new Set(text.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
    const columns = LAKE_SCHEMA[table].map((c) => c.name).filter((c) => words.has(c));
    const between = /\bdt\s*between\s*\?\s*and\s*\?/i.exec(text);
    const equals = /\bdt\s*=\s*\?/i.exec(text);
    let from: string;
    let to: string;
    if (between) {
      const first = placeholderBefore(select.start + between.index + between[0].indexOf('?'));
      [from, to] = [value(first), value(first + 1)];
    } else if (equals) {
      from = to = value(placeholderBefore(select.start + equals.index + equals[0].indexOf('?')));
    } else {
      throw new Error(`query ${query.name}: a read of ${table} without a dt range`);
    }
    reads.push({ table, columns, from, to });
  }
  return reads;
}
