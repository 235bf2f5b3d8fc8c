/**
 * One measurement in a fresh process, so its peak RSS is its own: `report` (open the DuckDB engine, build the
 * report), `floor` (one scan of exactly the needed columns and partitions) or `render` (charts, email, page).
 * Prints one JSON line. Run by bench/bench.ts: node --import tsx bench/child.ts <mode> <json options>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { buildReport } from '../src/core/build-report.ts';
import type { ReportRequest } from '../src/core/report-request.ts';
import type { ReportMetrics } from '../src/core/report.types.ts';
import { DuckDbEngine } from '../src/local/duckdb-engine.ts';
import { discoverTenantFiles } from '../src/local/lake-files.ts';
import { buildCharts } from '../src/render/charts/index.ts';
import { buildEmail, composeMime, type EmailChart } from '../src/render/email.ts';
import { i18n } from '../src/render/i18n.ts';
import { buildInsights } from '../src/render/insights.ts';
import { renderChart } from '../src/render/png.ts';
import { renderReport } from '../src/render/render-report.ts';
import { buildReportPage } from '../src/render/report-page.ts';
import { warmUpRenderer } from '../src/render/warm-up.ts';
import type { TableRead } from './table-reads.ts';
import { sqlString } from '../src/core/sql-catalog.ts';

export interface ReportChildOptions {
  lakeDir: string;
  request: ReportRequest;
  memoryLimit?: string;
  threads?: number;
  /** Write metrics.json here. */
  metricsOut?: string;
}

export interface ReportChildResult {
  openMs: number;
  reportMs: number;
  totalMs: number;
  /** CPU time (user + system, all threads) of opening the engine and building the report. */
  cpuMs: number;
  queries: { query: string; engineMs: number }[];
  maxRssMiB: number;
}

export interface FloorChildOptions {
  lakeDir: string;
  tenantId: string;
  reads: TableRead[];
  memoryLimit?: string;
  threads?: number;
}

export interface FloorChildResult {
  ms: number;
  cpuMs: number;
  rows: Record<string, number>;
  maxRssMiB: number;
  sql: string;
}

export interface RenderChildOptions {
  metricsFile: string;
  runs: number;
  /** Warm the renderer up first (src/render/warm-up.ts), as the pipeline does while the queries run. */
  warmUp?: boolean;
}

export interface RenderTimes {
  /** buildCharts + every PNG. */
  chartsMs: number;
  /** Insights, the MJML email and its MIME message. */
  emailMs: number;
  /** The archived HTML page. */
  pageMs: number;
  /** renderReport as a whole (all of the above plus CSVs). */
  renderReportMs: number;
}

export interface RenderChildResult {
  /** The warm-up's own time, when asked for. */
  warmUpMs?: number;
  /** renderReport's first call on the report in a fresh process (after the warm-up, when asked for). */
  firstMs: number;
  /** The following calls, part by part. */
  next: RenderTimes[];
  charts: number;
  maxRssMiB: number;
}

const maxRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function report(o: ReportChildOptions): Promise<ReportChildResult> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const engine = await DuckDbEngine.open(
    { lakeDir: o.lakeDir, ...(o.memoryLimit ? { memoryLimit: o.memoryLimit } : {}), threads: o.threads },
    o.request.tenantId,
  );
  const opened = performance.now();
  let metrics: ReportMetrics;
  try {
    metrics = await buildReport(o.request, engine, { now: () => new Date('2026-11-23T12:00:00Z') });
  } finally {
    await engine.close();
  }
  const done = performance.now();
  const cpuUsed = cpuMs(cpu);
  if (o.metricsOut) writeFileSync(o.metricsOut, JSON.stringify(metrics, null, 2) + '\n');
  return {
    openMs: opened - started,
    reportMs: done - opened,
    totalMs: done - started,
    cpuMs: cpuUsed,
    queries: metrics.execution.queries.map((q) => ({ query: q.query, engineMs: q.engineMs })),
    maxRssMiB: maxRssMiB(),
  };
}

/** One statement reading every needed column of every needed partition once, with a count per column. */
function floorSql(files: Awaited<ReturnType<typeof discoverTenantFiles>>, reads: TableRead[]): string {
  const parts: string[] = [];
  for (const [i, read] of reads.entries()) {
    const inRange = (f: string) => {
      const dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(f)?.[1] ?? '';
      return dt >= read.from && dt <= read.to;
    };
    const { parquet, ndjson } = files.tables[read.table];
    const counts = read.columns.map((c) => `count("${c}") as "${c}"`).join(', ');
    const sources: string[] = [];
    const pq = parquet.filter(inRange);
    if (pq.length)
      sources.push(`select ${read.columns.join(', ')} from read_parquet([${pq.map(sqlString).join(', ')}])`);
    const js = ndjson.filter(inRange);
    if (js.length) {
      const columns = read.columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
      sources.push(
        `select ${read.columns.join(', ')} from read_json([${js.map(sqlString).join(', ')}], format = 'newline_delimited', columns = {${columns}}, ignore_errors = true)`,
      );
    }
    const source = sources.length
      ? sources.join(' union all ')
      : `select ${read.columns.map((c) => `null as ${c}`)} where false`;
    parts.push(`(select count(*) as "${read.table}", ${counts} from (${source})) as t${i}`);
  }
  return `select * from ${parts.join(' cross join ')}`;
}

async function floor(o: FloorChildOptions): Promise<FloorChildResult> {
  const files = await discoverTenantFiles(o.lakeDir, o.tenantId);
  const sql = floorSql(files, o.reads);
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: o.memoryLimit ?? '1GB',
    ...(o.threads ? { threads: String(o.threads) } : {}),
  });
  const connection = await instance.connect();
  try {
    await connection.run(`set TimeZone = 'UTC'`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const [row] = (await connection.runAndReadAll(sql)).getRowObjectsJS();
    const ms = performance.now() - started;
    const cpuUsed = cpuMs(cpu);
    const rows = Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
    return { ms, cpuMs: cpuUsed, rows, maxRssMiB: maxRssMiB(), sql };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const RENDER_OPTIONS = {
  locale: 'pt-BR' as const,
  reportUrl: 'https://example.com/report',
  from: 'a@example.com',
  to: ['b@example.com'],
};

async function renderOnce(metrics: ReportMetrics): Promise<RenderTimes> {
  const options = RENDER_OPTIONS;
  const i = i18n(options.locale);
  const t0 = performance.now();
  const charts = buildCharts(metrics, i);
  const rendered: EmailChart[] = [];
  for (const chart of charts) rendered.push({ chart, ...(await renderChart(chart.spec)) });
  const t1 = performance.now();
  const insights = buildInsights(metrics, i);
  const digest = await buildEmail({ metrics, i18n: i, charts: rendered, insights, reportUrl: options.reportUrl });
  await composeMime(digest, { from: options.from, to: options.to });
  const t2 = performance.now();
  buildReportPage({ metrics, i18n: i, charts, insights });
  const t3 = performance.now();
  await renderReport(metrics, options);
  const t4 = performance.now();
  return { chartsMs: t1 - t0, emailMs: t2 - t1, pageMs: t3 - t2, renderReportMs: t4 - t3 };
}

async function render(o: RenderChildOptions): Promise<RenderChildResult> {
  const metrics = JSON.parse(readFileSync(o.metricsFile, 'utf8')) as ReportMetrics;
  let warmUpMs: number | undefined;
  if (o.warmUp) {
    const warming = performance.now();
    await warmUpRenderer();
    warmUpMs = performance.now() - warming;
  }
  const started = performance.now();
  await renderReport(metrics, RENDER_OPTIONS);
  const firstMs = performance.now() - started;
  const next: RenderTimes[] = [];
  for (let r = 0; r < o.runs; r++) next.push(await renderOnce(metrics));
  return {
    ...(warmUpMs === undefined ? {} : { warmUpMs }),
    firstMs,
    next,
    charts: buildCharts(metrics, i18n('pt-BR')).length,
    maxRssMiB: maxRssMiB(),
  };
}

const [mode, json] = process.argv.slice(2);
const options = JSON.parse(json ?? '{}') as never;
const result =
  mode === 'report'
    ? await report(options)
    : mode === 'floor'
      ? await floor(options)
      : mode === 'render'
        ? await render(options)
        : null;
if (!result) {
  console.error('usage: node --import tsx bench/child.ts report|floor|render <json options>');
  process.exit(2);
}
process.stdout.write(JSON.stringify(result) + '\n');
