import type { ReportMetrics } from '../../core/report.types.ts';
import type { I18n } from '../i18n.ts';
import { BRAZIL_OBJECT, BRAZIL_TOPOLOGY, STATE_NAMES } from './brazil-geo.ts';
import type { ChartSpec, ChartTable } from './chart-spec.ts';
import { COLORS, COUNT_FORMAT, frame, noActivitySpec, sum } from './theme.ts';

const MAP_SIZE = 300;
const SIDE_WIDTH = 96;
const TOP_STATES = 5;
const OFF_MAP = ['UNKNOWN', 'FOREIGN'] as const;

/** The contact base by state: a map of the 27 UFs, and beside it the top states plus unknown and foreign numbers. */
export function contactsByStateChart(metrics: ReportMetrics, i: I18n): ChartSpec {
  const title = i.t.charts.contactsByState;
  const total = sum(metrics.contactsByState.map((r) => r.contacts));
  const nameOf = (state: string) =>
    state === 'UNKNOWN' || state === 'FOREIGN' ? i.t.states[state] : (STATE_NAMES[state] ?? state);
  const rows = metrics.contactsByState.map((r) => ({
    state: r.state,
    name: nameOf(r.state),
    contacts: r.contacts,
    share: total > 0 ? i.percent(r.contacts / total) : '',
  }));
  const table: ChartTable = {
    columns: [i.t.chart.stateCode, i.t.fields.state, i.t.fields.contacts],
    kinds: ['label', 'label', 'count'],
    rows: rows.map((r) => [r.state, r.name, r.contacts]),
  };
  const offMap = rows.filter((r) => (OFF_MAP as readonly string[]).includes(r.state));
  const top = rows
    .filter((r) => !(OFF_MAP as readonly string[]).includes(r.state) && r.contacts > 0)
    .sort((a, b) => b.contacts - a.contacts || a.state.localeCompare(b.state))
    .slice(0, TOP_STATES);
  const empty = total === 0;
  const describe = (r: (typeof rows)[number]) => `${r.name} ${i.number(r.contacts)} (${r.share})`;
  const alt = empty
    ? `${title}: ${i.t.noActivity}.`
    : `${title}: ${top.map(describe).join(', ')}; ${offMap.map(describe).join(', ')}; ${i.t.series.total} ${i.number(total)}.`;
  if (empty) return { id: 'contacts-by-state', title, spec: noActivitySpec(i, alt), alt, table, empty };

  const tooltip = [
    { field: 'name', type: 'nominal', title: i.t.fields.state },
    { field: 'contacts', type: 'quantitative', title: i.t.fields.contacts, format: COUNT_FORMAT },
    { field: 'share', type: 'nominal', title: i.t.fields.share },
  ] as const;
  const side = [...top, ...offMap].map((r) => ({ ...r, count: i.number(r.contacts), onMap: !offMap.includes(r) }));
  const spec: ChartSpec['spec'] = {
    ...frame(i, alt),
    spacing: 16,
    hconcat: [
      {
        width: MAP_SIZE,
        height: MAP_SIZE,
        data: { values: BRAZIL_TOPOLOGY, format: { type: 'topojson', feature: BRAZIL_OBJECT } },
        transform: [
          {
            lookup: 'id',
            from: { data: { values: rows }, key: 'state', fields: ['name', 'contacts', 'share'] },
          },
        ],
        projection: { type: 'mercator' },
        mark: { type: 'geoshape', stroke: COLORS.border, strokeWidth: 0.6 },
        encoding: {
          color: {
            condition: { test: '!(datum.contacts > 0)', value: COLORS.zero },
            field: 'contacts',
            type: 'quantitative',
            scale: { type: 'sqrt', scheme: 'blues', zero: true },
            legend: {
              title: i.t.fields.contacts,
              // Inside the map's empty south-west corner, so it costs no room.
              orient: 'none',
              legendX: 0,
              legendY: MAP_SIZE - 44,
              direction: 'horizontal',
              gradientLength: 120,
              format: COUNT_FORMAT,
              tickCount: 4,
            },
          },
          tooltip: [...tooltip],
        },
      },
      {
        width: SIDE_WIDTH,
        height: { step: 22 },
        data: { values: side },
        encoding: {
          y: {
            field: 'name',
            type: 'nominal',
            sort: side.map((r) => r.name),
            axis: {
              title: null,
              domain: false,
              ticks: false,
              labelLimit: 120,
              labelPadding: 6,
              labelColor: COLORS.text,
            },
          },
          // Headroom so the largest bar's count fits beside it.
          x: {
            field: 'contacts',
            type: 'quantitative',
            axis: null,
            scale: { domain: [0, Math.max(...side.map((r) => r.contacts)) * 1.7], nice: false },
          },
          tooltip: [...tooltip],
        },
        layer: [
          {
            mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.7 } },
            encoding: {
              color: {
                condition: { test: 'datum.onMap', value: '#2f6eb5' },
                value: COLORS.unknown,
              },
            },
          },
          {
            mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11 },
            encoding: { text: { field: 'count' } },
          },
        ],
      },
    ],
  };
  return { id: 'contacts-by-state', title, spec, alt, table, empty };
}
