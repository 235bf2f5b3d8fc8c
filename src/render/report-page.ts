import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { ReportMetrics } from '../core/report.types.ts';
import type { ChartSpec } from './charts/index.ts';
import { formatTable } from './charts/table.ts';
import type { I18n } from './i18n.ts';
import type { Insight } from './insights.ts';
import { hasNoActivity, kpiTiles } from './kpis.ts';

const require = createRequire(import.meta.url);
const TEMPLATE = Handlebars.compile(readFileSync(new URL('../../templates/report.html.hbs', import.meta.url), 'utf8'), {
  strict: true,
});

/** A package's folder (its exports map hides build/ from require.resolve). */
function packageDir(pkg: string): string {
  let dir = path.dirname(require.resolve(pkg));
  while (path.basename(dir) !== pkg && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

let libraries: { vegaJs: string; vegaLiteJs: string; vegaEmbedJs: string } | undefined;
/** The browser builds of vega, vega-lite and vega-embed, inlined so the page works offline and from file://. */
function browserLibraries() {
  const read = (pkg: string, file: string) =>
    readFileSync(path.join(packageDir(pkg), file), 'utf8').replaceAll('</script', '<\\/script');
  libraries ??= {
    vegaJs: read('vega', 'build/vega.min.js'),
    vegaLiteJs: read('vega-lite', 'build/vega-lite.min.js'),
    vegaEmbedJs: read('vega-embed', 'build/vega-embed.min.js'),
  };
  return libraries;
}

/** RFC 4180 CSV: quoted when needed, CRLF line ends. */
export function toCsv(table: ChartSpec['table']): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [table.columns, ...table.rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');

export interface ReportPageInput {
  metrics: ReportMetrics;
  i18n: I18n;
  charts: ChartSpec[];
  insights: Insight[];
}

/** The archived report: one self-contained HTML file with interactive charts, KPI tiles, insights and data. */
export function buildReportPage({ metrics: m, i18n: i, charts, insights }: ReportPageInput): string {
  const periodLabel = `${i.t.period}: ${i.period(m.period.start, m.period.end)}`;
  return TEMPLATE({
    lang: i.locale,
    title: i.t.reportTitle,
    tenantId: m.tenantId,
    periodLabel,
    timezone: m.timezone,
    previousLabel: `${i.t.previous}: ${i.period(m.previousPeriod.start, m.previousPeriod.end)}`,
    noActivity: hasNoActivity(m) ? i.t.noActivity : false,
    noActivityShort: i.t.noActivity,
    kpisTitle: i.t.kpisTitle,
    tiles: kpiTiles(m, i),
    vsPrevious: i.t.vsPrevious,
    insightsTitle: i.t.insightsTitle,
    insights,
    charts: charts.map((c) => ({
      ...c,
      table: { columns: c.table.columns, rows: formatTable(c.table, i) },
      csvHref: `data:text/csv;charset=utf-8,${encodeURIComponent(toCsv(c.table))}`,
    })),
    dataTable: i.t.dataTable,
    downloadCsv: i.t.downloadCsv,
    footer: i.t.footer,
    generatedLabel: `${i.t.generatedAt} ${i.dateTime(m.execution.generatedAt, m.timezone)}`,
    ...browserLibraries(),
    chartsJson: scriptJson(charts.map((c) => ({ id: c.id, spec: c.spec }))),
  });
}
