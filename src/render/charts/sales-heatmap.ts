import type { ReportMetrics } from '../../core/report.types.ts';
import type { I18n } from '../i18n.ts';
import type { ChartSpec, ChartTable } from './chart-spec.ts';
import { CHART_WIDTH, COLORS, COUNT_FORMAT, FIT, frame, noActivitySpec, sum } from './theme.ts';

const ROW_HEIGHT = 22;

/** Inbound sales messages by weekday (rows, Monday first) and local hour (columns). */
export function salesHeatmapChart(metrics: ReportMetrics, i: I18n): ChartSpec {
  const title = i.t.charts.salesHeatmap;
  const weekdayName = (weekday: number) => i.t.weekdays[weekday - 1] ?? String(weekday);
  const cells = metrics.salesHeatmap.map((c) => ({
    weekday: weekdayName(c.weekday),
    hour: c.hour,
    hours: i.hours(c.hour),
    messages: c.messages,
  }));
  const table: ChartTable = {
    columns: [i.t.fields.weekday, i.t.fields.hour, i.t.fields.messages],
    kinds: ['label', 'hour', 'count'],
    rows: cells.map((c) => [c.weekday, c.hour, c.messages]),
  };
  const total = sum(cells.map((c) => c.messages));
  const empty = total === 0;
  const peak = cells.reduce((best, c) => (best === undefined || c.messages > best.messages ? c : best), cells[0]);
  const alt =
    empty || !peak
      ? `${title}: ${i.t.noActivity}.`
      : `${title}: ${i.number(total)} ${i.t.fields.messages.toLowerCase()}; ${i.t.chart.peak} ${peak.weekday} ${peak.hours}: ${i.number(peak.messages)}.`;
  if (empty) return { id: 'sales-heatmap', title, spec: noActivitySpec(i, alt), alt, table, empty };

  const spec: ChartSpec['spec'] = {
    ...frame(i, alt),
    width: CHART_WIDTH,
    height: 7 * ROW_HEIGHT,
    autosize: FIT,
    data: { values: cells },
    mark: { type: 'rect', stroke: COLORS.border, strokeWidth: 1, cornerRadius: 2 },
    encoding: {
      x: {
        field: 'hour',
        type: 'ordinal',
        sort: 'ascending',
        axis: { title: i.t.fields.hour, labelAngle: 0, domain: false, ticks: false, labelPadding: 4 },
      },
      y: {
        field: 'weekday',
        type: 'nominal',
        sort: [...i.t.weekdays],
        axis: { title: null, domain: false, ticks: false, labelPadding: 6 },
      },
      color: {
        condition: { test: 'datum.messages === 0', value: COLORS.zero },
        field: 'messages',
        type: 'quantitative',
        scale: { scheme: 'blues', zero: true },
        legend: { title: i.t.fields.messages, format: COUNT_FORMAT, gradientLength: 7 * ROW_HEIGHT - 56, tickCount: 3 },
      },
      tooltip: [
        { field: 'weekday', type: 'nominal', title: i.t.fields.weekday },
        { field: 'hours', type: 'nominal', title: i.t.fields.hour },
        { field: 'messages', type: 'quantitative', title: i.t.fields.messages, format: COUNT_FORMAT },
      ],
    },
  };
  return { id: 'sales-heatmap', title, spec, alt, table, empty };
}
