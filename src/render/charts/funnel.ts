import type { TopLevelSpec } from 'vega-lite';
import type { I18n } from '../i18n.ts';
import { CHART_WIDTH, COLORS, COUNT_FORMAT, FIT, frame, noActivitySpec, ratio } from './theme.ts';
import type { ChartTable } from './chart-spec.ts';

export interface FunnelStep {
  label: string;
  contacts: number;
  color: string;
}

interface FunnelDrawing {
  spec: TopLevelSpec;
  alt: string;
  table: ChartTable;
  empty: boolean;
}

const ROW_HEIGHT = 46;
/** The widest bar takes this share of the plot; the rest is room for its labels. */
const BAR_SHARE = 0.5;

/**
 * Horizontal bars, widest first, each labelled with its count and its conversion from the previous
 * step (and, from the third step on, from the first one).
 */
export function funnel(title: string, steps: FunnelStep[], i: I18n): FunnelDrawing {
  const first = steps[0]?.contacts ?? 0;
  const rows = steps.map((step, k) => {
    const previous = k > 0 ? (steps[k - 1]?.contacts ?? 0) : step.contacts;
    const fromPrevious = previous > 0 ? step.contacts / previous : 0;
    const fromFirst = first > 0 ? step.contacts / first : 0;
    const conversion =
      k === 0
        ? i.percent(1)
        : k === 1
          ? `${i.percent(fromPrevious)} ${i.t.chart.ofPrevious}`
          : `${i.percent(fromPrevious)} ${i.t.chart.ofPrevious} · ${i.percent(fromFirst)} ${i.t.chart.ofSent}`;
    return {
      order: k,
      stage: step.label,
      contacts: step.contacts,
      color: step.color,
      count: i.number(step.contacts),
      conversion,
      fromPrevious: k === 0 ? '' : i.percent(fromPrevious),
      fromFirst: i.percent(fromFirst),
      ratioPrevious: k === 0 ? '' : ratio(step.contacts, previous),
      ratioFirst: ratio(step.contacts, first),
    };
  });

  const empty = steps.every((s) => s.contacts === 0);
  const alt = empty
    ? `${title}: ${i.t.noActivity}.`
    : `${title}: ${rows.map((r) => (r.order === 0 ? `${r.stage} ${r.count}` : `${r.stage} ${r.count} (${r.fromPrevious})`)).join(', ')}.`;
  const withFirst = steps.length > 2;
  const table: ChartTable = {
    kinds: ['label', 'count', 'ratio', ...(withFirst ? (['ratio'] as const) : [])],
    columns: [
      i.t.fields.stage,
      i.t.fields.contacts,
      i.t.chart.conversionFromPrevious,
      ...(withFirst ? [i.t.chart.conversionFromSent] : []),
    ],
    rows: rows.map((r) => [r.stage, r.contacts, r.ratioPrevious, ...(withFirst ? [r.ratioFirst] : [])]),
  };
  if (empty) return { spec: noActivitySpec(i, alt), alt, table, empty };

  const max = Math.max(...steps.map((s) => s.contacts));
  const tooltip = [
    { field: 'stage', type: 'nominal', title: i.t.fields.stage },
    { field: 'contacts', type: 'quantitative', title: i.t.fields.contacts, format: COUNT_FORMAT },
    { field: 'fromPrevious', type: 'nominal', title: i.t.chart.conversionFromPrevious },
    ...(withFirst ? [{ field: 'fromFirst', type: 'nominal', title: i.t.chart.conversionFromSent } as const] : []),
  ] as const;
  const spec: TopLevelSpec = {
    ...frame(i, alt),
    width: CHART_WIDTH,
    height: steps.length * ROW_HEIGHT,
    autosize: FIT,
    data: {
      values: rows.map(({ order, stage, contacts, color, count, conversion, fromPrevious, fromFirst }) => ({
        order,
        stage,
        contacts,
        color,
        count,
        conversion,
        fromPrevious,
        fromFirst,
      })),
    },
    encoding: {
      y: {
        field: 'stage',
        type: 'nominal',
        sort: rows.map((r) => r.stage),
        axis: { title: null, domain: false, ticks: false, labelPadding: 8, labelFontSize: 12, labelColor: COLORS.text },
      },
      x: {
        field: 'contacts',
        type: 'quantitative',
        scale: { domain: [0, max / BAR_SHARE], nice: false },
        axis: null,
      },
      tooltip: [...tooltip],
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 3, height: { band: 0.72 } },
        encoding: { color: { field: 'color', type: 'nominal', scale: null } },
      },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, dy: -8, fontSize: 13, fontWeight: 600 },
        encoding: { text: { field: 'count' } },
      },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 6, dy: 9, fontSize: 11, color: COLORS.muted },
        encoding: { text: { field: 'conversion' } },
      },
    ],
  };
  return { spec, alt, table, empty };
}
