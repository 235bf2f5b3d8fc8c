import type { I18n } from '../i18n.ts';
import type { ChartTable, ColumnKind } from './chart-spec.ts';

/** One table cell as the chart writes the same value: grouped counts, percentages, local dates and months. */
export function formatCell(kind: ColumnKind, value: string | number, i: I18n): string {
  if (value === '') return '';
  switch (kind) {
    case 'count':
      return i.number(Number(value));
    case 'ratio':
      return i.percent(Number(value));
    case 'date':
      return i.date(String(value));
    case 'month':
      return i.month(String(value));
    case 'hour':
      return i.hours(Number(value));
    case 'label':
      return String(value);
  }
}

/** The table's rows as the page shows them. */
export function formatTable(table: ChartTable, i: I18n): string[][] {
  return table.rows.map((row) => row.map((value, c) => formatCell(table.kinds[c] ?? 'label', value, i)));
}
