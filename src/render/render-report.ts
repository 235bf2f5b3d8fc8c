import { metricsJson } from '../core/generate-report.ts';
import type { ReportMetrics } from '../core/report.types.ts';
import type { ReportFiles } from '../core/report-files.ts';
import { buildCharts } from './charts/index.ts';
import { buildEmail, composeMime, personalize, type EmailChart, type UnsubscribeLinks } from './email.ts';
import { i18n, type Locale } from './i18n.ts';
import { buildInsights } from './insights.ts';
import { renderChart } from './png.ts';
import { buildReportPage, toCsv } from './report-page.ts';

export interface RenderOptions {
  locale: Locale;
  /** Where the full archived report will be read (a signed link in production, file:// locally). */
  reportUrl: string;
  from: string;
  to: string[];
  now?: Date;
  /** A digest to subscribers: each recipient gets their own message (messageFor) with unsubscribe links. */
  unsubscribe?: boolean;
  /** Awaited before each chart and each document: the warm-up yields to the event loop there. */
  between?: () => Promise<void>;
}

export interface RenderedReport {
  files: ReportFiles;
  subject: string;
  /** The raw MIME message to every `to` at once (archived as email.eml; without unsubscribe links). */
  eml: Buffer;
  /** The message to one recipient, with their unsubscribe links in the headers and footer. */
  messageFor(to: string, unsubscribe: UnsubscribeLinks): Promise<Buffer>;
}

/** Every artifact of one report: metrics.json, the archived page, the email (MIME and HTML), chart PNGs and CSVs. */
export async function renderReport(metrics: ReportMetrics, options: RenderOptions): Promise<RenderedReport> {
  const i = i18n(options.locale);
  const charts = buildCharts(metrics, i);
  const between = options.between ?? (async () => undefined);
  const rendered: EmailChart[] = [];
  for (const chart of charts) {
    await between();
    const { png, width, height } = await renderChart(chart.spec);
    rendered.push({ chart, png, width, height });
  }
  await between();
  const insights = buildInsights(metrics, i);
  const digest = await buildEmail({
    metrics,
    i18n: i,
    charts: rendered,
    insights,
    reportUrl: options.reportUrl,
    unsubscribe: options.unsubscribe ?? false,
  });
  await between();
  const archived = personalize(digest, null);
  const eml = await composeMime(archived, { from: options.from, to: options.to, date: options.now });
  await between();

  const files: ReportFiles = new Map();
  files.set('metrics.json', metricsJson(metrics));
  files.set('report.html', buildReportPage({ metrics, i18n: i, charts, insights }));
  files.set('email.eml', eml);
  // For a quick look in a browser: the same HTML with the inline images read from charts/.
  files.set('email.html', archived.html.replace(/cid:([\w-]+)@report/g, 'charts/$1.png'));
  for (const { chart, png } of rendered) {
    files.set(`charts/${chart.id}.png`, png);
    files.set(`data/${chart.id}.csv`, toCsv(chart.table));
  }
  const messageFor = (to: string, unsubscribe: UnsubscribeLinks) =>
    composeMime(personalize(digest, unsubscribe), { from: options.from, to: [to], date: options.now, unsubscribe });
  return { files, subject: digest.subject, eml, messageFor };
}
