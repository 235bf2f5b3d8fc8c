/**
 * The row shape of each shared query, declared once and checked when its rows are read: a column the SQL no
 * longer returns (renamed, dropped) is an error naming the query and the column, never a number read as 0.
 */
import { z } from 'zod';
import { QueryError } from './errors.ts';
import type { Row } from './query-engine.port.ts';

/** A count: a whole number (Athena returns it as text); null is an aggregate over no rows, so 0. */
const count = z
  .union([z.number(), z.string().regex(/^-?\d+$/), z.null()])
  .transform((v) => (v === null ? 0 : Number(v)))
  .refine((n) => Number.isSafeInteger(n), 'a whole count');
const text = z.string();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const QUERY_ROWS = {
  contact_base: z.object({
    /** null: the whole snapshot; else one state's contacts. */
    state: text.nullable(),
    value: count,
    previous: count,
    rows_read: count,
    rows_skipped: count,
  }),
  contact_activity: z.object({
    /** null: the period summary; else one local date's items. */
    local_date: date.nullable(),
    reached_contacts: count,
    reached_previous: count,
    sent_contacts: count,
    delivered_contacts: count,
    read_contacts: count,
    clicked_contacts: count,
    replied_contacts: count,
    journey_sales: count,
    sales_contacts: count,
    sales_previous: count,
    support_contacts: count,
    support_previous: count,
    ...Object.fromEntries(
      [1, 2, 3, 4, 5, 6].flatMap((m) =>
        ['broadcast', 'sales', 'support', 'total'].map((fact) => [`month_${m}_${fact}`, count]),
      ),
    ),
    sent_messages: count,
    sales_services: count,
    support_services: count,
    broadcast_rows: count,
    broadcast_skipped: count,
    broadcast_unknown: count,
    service_rows: count,
    service_skipped: count,
    service_unknown: count,
  }),
  sales_heatmap: z.object({
    /** null: the partitions read (data quality); else one weekday × hour cell. */
    weekday: count.nullable(),
    hour: count.nullable(),
    messages: count,
    rows_read: count,
    rows_skipped: count,
    unknown_values: count,
  }),
} as const;

export type QueryName = keyof typeof QUERY_ROWS;
export type QueryRow<Q extends QueryName> = z.output<(typeof QUERY_ROWS)[Q]>;

/** The rows of `query`, checked against its declared shape. */
export function readRows<Q extends QueryName>(query: Q, rows: Row[]): QueryRow<Q>[] {
  const schema = QUERY_ROWS[query];
  return rows.map((row) => {
    const parsed = schema.safeParse(row);
    if (parsed.success) return parsed.data as QueryRow<Q>;
    const issue = parsed.error.issues[0]!;
    const column = String(issue.path[0] ?? '?');
    const problem =
      row[column] === undefined
        ? 'is missing from its result'
        : `is ${JSON.stringify(row[column])}, not what the query declares (${issue.message})`;
    throw new QueryError(query, `column "${column}" ${problem}`);
  });
}

/** A query's row with every column null: its counts read 0 (the row a query without input rows does not return). */
function zeros<Q extends QueryName>(query: Q): QueryRow<Q> {
  const schema = QUERY_ROWS[query];
  return schema.parse(Object.fromEntries(Object.keys(schema.shape).map((column) => [column, null]))) as QueryRow<Q>;
}

export const QUERY_ZEROS: { [Q in QueryName]: QueryRow<Q> } = {
  contact_base: zeros('contact_base'),
  contact_activity: zeros('contact_activity'),
  sales_heatmap: zeros('sales_heatmap'),
};
