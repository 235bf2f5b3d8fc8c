import type { ReportMetrics } from '../../core/report.types.ts';
import type { I18n } from '../i18n.ts';
import type { ChartSpec, ChartTable } from './chart-spec.ts';
import { CHART_WIDTH, COLORS, COUNT_FORMAT, FIT, frame, noActivitySpec, ratio } from './theme.ts';

const OUTER = 92;
const INNER = 58;
/** How far left of centre the donut sits, leaving room for its labels on the right. */
const SHIFT = 90;
const ROW_GAP = 56;

/** Services opened in the period: a donut of sales vs support with each share, the total in the middle. */
export function serviceDistributionChart(metrics: ReportMetrics, i: I18n): ChartSpec {
  const title = i.t.charts.serviceDistribution;
  const { sales, support } = metrics.serviceDistribution;
  const total = sales + support;
  const slices = [
    { module: i.t.series.sales, services: sales, color: COLORS.sales, order: 0 },
    { module: i.t.series.support, services: support, color: COLORS.support, order: 1 },
  ].map((s) => {
    const share = total > 0 ? i.percent(s.services / total) : '';
    return { ...s, share, summary: `${share} · ${i.number(s.services)}` };
  });
  const table: ChartTable = {
    columns: [i.t.fields.module, i.t.fields.services, i.t.fields.share],
    kinds: ['label', 'count', 'ratio'],
    rows: slices.map((s) => [s.module, s.services, ratio(s.services, total)]),
  };
  const empty = total === 0;
  const alt = empty
    ? `${title}: ${i.t.noActivity}.`
    : `${title}: ${slices.map((s) => `${s.module} ${i.number(s.services)} (${s.share})`).join(', ')}; ${i.t.series.total} ${i.number(total)}.`;
  if (empty) return { id: 'service-distribution', title, spec: noActivitySpec(i, alt), alt, table, empty };

  const tooltip = [
    { field: 'module', type: 'nominal', title: i.t.fields.module },
    { field: 'services', type: 'quantitative', title: i.t.fields.services, format: COUNT_FORMAT },
    { field: 'share', type: 'nominal', title: i.t.fields.share },
  ] as const;
  // The donut sits left of centre; beside it, one line per module says what each colour is and its share.
  const cx = `width / 2 - ${SHIFT}`;
  const labelX = `width / 2 - ${SHIFT} + ${OUTER + 36}`;
  const rowY = `height / 2 + (datum.order - 0.5) * ${ROW_GAP}`;
  const spec: ChartSpec['spec'] = {
    ...frame(i, alt),
    width: CHART_WIDTH,
    height: 2 * OUTER + 16,
    autosize: FIT,
    layer: [
      {
        data: { values: slices },
        encoding: {
          color: {
            field: 'module',
            type: 'nominal',
            scale: { domain: slices.map((s) => s.module), range: slices.map((s) => s.color) },
            legend: null, // the lines beside the donut name each colour
          },
          tooltip: [...tooltip],
        },
        layer: [
          {
            mark: {
              type: 'arc',
              x: { expr: cx },
              y: { expr: 'height / 2' },
              innerRadius: INNER,
              outerRadius: OUTER,
              stroke: 'white',
              strokeWidth: 2,
            },
            encoding: {
              theta: { field: 'services', type: 'quantitative', stack: true },
              order: { field: 'order', type: 'quantitative' },
            },
          },
          {
            mark: {
              type: 'point',
              shape: 'circle',
              filled: true,
              size: 120,
              opacity: 1,
              x: { expr: labelX },
              y: { expr: rowY },
            },
          },
          {
            mark: {
              type: 'text',
              x: { expr: labelX },
              y: { expr: rowY },
              dx: 14,
              dy: -9,
              align: 'left',
              baseline: 'middle',
              fontSize: 12,
            },
            encoding: { text: { field: 'module' }, color: { value: COLORS.muted } },
          },
          {
            mark: {
              type: 'text',
              x: { expr: labelX },
              y: { expr: rowY },
              dx: 14,
              dy: 9,
              align: 'left',
              baseline: 'middle',
              fontSize: 14,
              fontWeight: 600,
            },
            encoding: { text: { field: 'summary' }, color: { value: COLORS.text } },
          },
        ],
      },
      {
        data: { values: [{ total: i.number(total), services: total, label: i.t.fields.services }] },
        encoding: {
          tooltip: [{ field: 'services', type: 'quantitative', title: i.t.series.total, format: COUNT_FORMAT }],
        },
        layer: [
          {
            mark: {
              type: 'text',
              x: { expr: cx },
              y: { expr: 'height / 2' },
              align: 'center',
              baseline: 'bottom',
              dy: 2,
              fontSize: 20,
              fontWeight: 600,
            },
            encoding: { text: { field: 'total' } },
          },
          {
            mark: {
              type: 'text',
              x: { expr: cx },
              y: { expr: 'height / 2' },
              align: 'center',
              baseline: 'top',
              dy: 4,
              fontSize: 11,
              color: COLORS.muted,
            },
            encoding: { text: { field: 'label' } },
          },
        ],
      },
    ],
  };
  return { id: 'service-distribution', title, spec, alt, table, empty };
}
