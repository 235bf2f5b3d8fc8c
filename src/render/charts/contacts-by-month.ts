import type { ReportMetrics } from '../../core/report.types.ts';
import type { I18n } from '../i18n.ts';
import type { ChartSpec, ChartTable } from './chart-spec.ts';
import { CHART_WIDTH, COLORS, COUNT_FORMAT, FIT, frame, noActivitySpec } from './theme.ts';

const BAR_SERIES = ['broadcast', 'sales', 'support'] as const;

/** Six months: broadcast, sales and support contacts as grouped bars, the total as a line above them. */
export function contactsByMonthChart(metrics: ReportMetrics, i: I18n): ChartSpec {
  const title = i.t.charts.contactsByMonth;
  const months = metrics.contactsByMonth.map((m) => ({ ...m, label: i.month(m.month) }));
  const names = { ...i.t.series };
  const series = [...BAR_SERIES, 'total'] as const;
  const table: ChartTable = {
    columns: [i.t.fields.month, ...series.map((s) => names[s])],
    kinds: ['month', ...series.map(() => 'count' as const)],
    rows: months.map((m) => [m.month, m.broadcast, m.sales, m.support, m.total]),
  };
  const empty = months.every((m) => m.total === 0 && m.broadcast === 0 && m.sales === 0 && m.support === 0);
  const alt = empty
    ? `${title}: ${i.t.noActivity}.`
    : `${title}: ${months
        .map(
          (m) =>
            `${m.label}: ${names.total} ${i.number(m.total)} (${BAR_SERIES.map((s) => `${names[s]} ${i.number(m[s])}`).join(', ')})`,
        )
        .join('; ')}.`;
  if (empty) return { id: 'contacts-by-month', title, spec: noActivitySpec(i, alt), alt, table, empty };

  const values = months.flatMap((m, k) =>
    series.map((s) => ({ month: m.label, order: k, series: names[s], contacts: m[s] })),
  );
  const tooltip = [
    { field: 'month', type: 'nominal', title: i.t.fields.month },
    { field: 'series', type: 'nominal', title: i.t.fields.series },
    { field: 'contacts', type: 'quantitative', title: i.t.fields.contacts, format: COUNT_FORMAT },
  ] as const;
  const x = {
    field: 'month',
    type: 'nominal',
    sort: months.map((m) => m.label),
    axis: { title: null, labelAngle: 0, domainColor: COLORS.axis, ticks: false, labelPadding: 6 },
  } as const;
  const y = {
    field: 'contacts',
    type: 'quantitative',
    axis: { title: i.t.fields.contacts, format: COUNT_FORMAT, tickCount: 5, domain: false, ticks: false },
  } as const;
  const color = {
    field: 'series',
    type: 'nominal',
    scale: {
      domain: series.map((s) => names[s]),
      range: series.map((s) => COLORS[s]),
    },
    legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'square' },
  } as const;
  const spec: ChartSpec['spec'] = {
    ...frame(i, alt),
    width: CHART_WIDTH,
    height: 240,
    autosize: FIT,
    data: { values },
    encoding: { x, tooltip: [...tooltip] },
    layer: [
      {
        transform: [{ filter: { field: 'series', oneOf: BAR_SERIES.map((s) => names[s]) } }],
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          y,
          color,
          xOffset: {
            field: 'series',
            type: 'nominal',
            sort: BAR_SERIES.map((s) => names[s]),
            scale: { paddingOuter: 0.6 },
          },
        },
      },
      {
        transform: [{ filter: { field: 'series', equal: names.total } }],
        mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 50 } },
        encoding: { y, color },
      },
    ],
  };
  return { id: 'contacts-by-month', title, spec, alt, table, empty };
}
