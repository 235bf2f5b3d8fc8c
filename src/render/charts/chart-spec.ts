import type { TopLevelSpec } from 'vega-lite';

export const CHART_IDS = [
  'message-funnel',
  'journey-funnel',
  'contacts-by-month',
  'contacts-by-state',
  'daily-volume',
  'service-distribution',
  'sales-heatmap',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

/**
 * What a table column holds, so the page writes each cell as the chart does (src/render/charts/table.ts) while the
 * CSV keeps the raw value: a count as an integer, a ratio to the precision shown, a date or month in ISO form.
 */
export type ColumnKind = 'label' | 'count' | 'ratio' | 'date' | 'month' | 'hour';

/** The data behind a chart: localized headers, raw values (for an HTML table and a CSV download). */
export interface ChartTable {
  columns: string[];
  kinds: ColumnKind[];
  rows: (string | number)[][];
}

/** One panel visual, ready to render (PNG for the email) or embed (vega-embed in the archived page). */
export interface ChartSpec {
  id: ChartId;
  /** Localized title; the spec itself carries none, so the page or email shows it as text. */
  title: string;
  /** Vega-Lite, data inlined, 560 px wide so it fits a 600 px email. */
  spec: TopLevelSpec;
  /** Localized alt text stating the key numbers. */
  alt: string;
  table: ChartTable;
  /** True when the chart has no activity to show: the spec then draws a "no activity" notice. */
  empty: boolean;
}
