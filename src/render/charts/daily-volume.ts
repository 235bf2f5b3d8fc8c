import type { ReportMetrics } from '../../core/report.types.ts';
import type { I18n } from '../i18n.ts';
import type { ChartSpec, ChartTable } from './chart-spec.ts';
import { CHART_WIDTH, COLORS, COUNT_FORMAT, FIT, frame, noActivitySpec, SHORT_DATE_FORMAT, sum } from './theme.ts';

const SERIES = [
  { key: 'broadcasts', color: COLORS.broadcast, shape: 'circle' },
  { key: 'salesServices', color: COLORS.sales, shape: 'square' },
  { key: 'supportServices', color: COLORS.support, shape: 'triangle-up' },
] as const;

/** Weekday labels up to this many days; beyond, dates alone keep the axis readable. */
const WEEKDAY_LABELS_UP_TO = 14;

/** One point per local date for broadcasts, sales services and support services. */
export function dailyVolumeChart(metrics: ReportMetrics, i: I18n): ChartSpec {
  const title = i.t.charts.dailyVolume;
  const days = metrics.dailyVolume;
  const names = i.t.series;
  const table: ChartTable = {
    columns: [i.t.fields.date, ...SERIES.map((s) => names[s.key])],
    kinds: ['date', ...SERIES.map(() => 'count' as const)],
    rows: days.map((d) => [d.date, d.broadcasts, d.salesServices, d.supportServices]),
  };
  const empty = days.every((d) => d.broadcasts === 0 && d.salesServices === 0 && d.supportServices === 0);
  const summary = SERIES.map((s) => {
    const peak = days.reduce((best, d) => (d[s.key] > best[s.key] ? d : best), days[0]!);
    const total = sum(days.map((d) => d[s.key]));
    return `${names[s.key]} ${i.number(total)}${peak && total > 0 ? ` (${i.t.chart.peak} ${i.shortDate(peak.date)}: ${i.number(peak[s.key])})` : ''}`;
  });
  const alt = empty ? `${title}: ${i.t.noActivity}.` : `${title}: ${summary.join('; ')}.`;
  if (empty) return { id: 'daily-volume', title, spec: noActivitySpec(i, alt), alt, table, empty };

  const values = days.flatMap((d) =>
    SERIES.map((s) => ({ date: d.date, day: i.date(d.date), series: names[s.key], value: d[s.key] })),
  );
  const dateFormat = SHORT_DATE_FORMAT[i.locale];
  const labelExpr =
    days.length <= WEEKDAY_LABELS_UP_TO
      ? `[utcFormat(toDate(datum.value), '%a'), utcFormat(toDate(datum.value), '${dateFormat}')]`
      : `utcFormat(toDate(datum.value), '${dateFormat}')`;
  const spec: ChartSpec['spec'] = {
    ...frame(i, alt),
    width: CHART_WIDTH,
    height: 240,
    autosize: FIT,
    data: { values },
    mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 45 } },
    encoding: {
      x: {
        field: 'date',
        type: 'ordinal',
        axis: { title: null, labelAngle: 0, labelExpr, labelOverlap: 'parity', ticks: false, labelPadding: 6 },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        axis: { title: null, format: COUNT_FORMAT, tickCount: 5, domain: false, ticks: false },
      },
      color: {
        field: 'series',
        type: 'nominal',
        scale: { domain: SERIES.map((s) => names[s.key]), range: SERIES.map((s) => s.color) },
        legend: { title: null, orient: 'top', direction: 'horizontal' },
      },
      shape: {
        field: 'series',
        type: 'nominal',
        scale: { domain: SERIES.map((s) => names[s.key]), range: SERIES.map((s) => s.shape) },
        legend: { title: null, orient: 'top', direction: 'horizontal' },
      },
      tooltip: [
        { field: 'day', type: 'nominal', title: i.t.fields.date },
        { field: 'series', type: 'nominal', title: i.t.fields.series },
        { field: 'value', type: 'quantitative', title: i.t.chart.volume, format: COUNT_FORMAT },
      ],
    },
  };
  return { id: 'daily-volume', title, spec, alt, table, empty };
}
