/**
 * npm run bench -- [--scale 1] [--runs 5] [--skip-generate] [--format parquet|ndjson] [--memory-limit 1GB]
 *                  [--threads N] [--no-render] [--no-lambda] [--out file.json]
 *
 * Generates (once, cached under .cache/bench/) the sample lake of one main tenant plus the noise tenants, then
 * measures the full report of the 30 days ending at the lake's end: per-query and whole-report medians, the floor
 * (one scan of exactly the needed columns and partitions), peak RSS, bytes each query reads and their Athena cost,
 * chart/email/page rendering, and the cold import of each Lambda bundle. Prints a table and writes
 * bench/results/scale-<x>[-ndjson].json.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import * as prettier from 'prettier';
import { DEFAULT_ATTRIBUTION_DAYS, DEFAULT_TIMEZONE, type ReportRequest } from '../src/core/report-request.ts';
import { reportWindow } from '../src/core/report-window.ts';
import { loadQueries } from '../src/core/sql-catalog.ts';
import type {
  FloorChildOptions,
  FloorChildResult,
  RenderChildOptions,
  RenderChildResult,
  RenderTimes,
  ReportChildOptions,
  ReportChildResult,
} from './child.ts';
import { coldStarts, type ColdStart } from './lambda.ts';
import { BENCH_END, BENCH_TENANT, bytesOf, columnBytes, discoverTenantFiles, ensureLake, lakeOptions } from './lake.ts';
import { neededReads } from './needs.ts';
import { tableReads, type TableRead } from './table-reads.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const PERIOD_DAYS = 30;
/** Athena: $5 per TB scanned (TB = 2^40 bytes here), rounded up to the MB, at least 10 MB per query. */
const USD_PER_TB = 5;
const MB = 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    'skip-generate': { type: 'boolean', default: false },
    format: { type: 'string', default: 'parquet' },
    'memory-limit': { type: 'string' },
    threads: { type: 'string' },
    'no-render': { type: 'boolean', default: false },
    'no-lambda': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const scale = Number(args.scale);
const runs = Number(args.runs);
const format = args.format as 'parquet' | 'ndjson';
if (!(scale > 0) || !Number.isInteger(runs) || runs < 1 || (format !== 'parquet' && format !== 'ndjson')) {
  console.error('usage: npm run bench -- [--scale 0.1|0.25|1] [--runs N] [--skip-generate] [--format parquet|ndjson]');
  process.exit(2);
}
const memoryLimit = args['memory-limit'];
const threads = args.threads === undefined ? undefined : Number(args.threads);

const log = (m: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
const median = (xs: number[]) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const billed = (bytes: number) => Math.max(10 * MB, Math.ceil(bytes / MB) * MB);
const athenaUsd = (bytes: number) => (billed(bytes) / 2 ** 40) * USD_PER_TB;
const load1 = () => os.loadavg()[0]!;

function child<T>(mode: string, options: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench/child.ts'), mode, JSON.stringify(options)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench child ${mode} failed (exit ${code}): ${err.trim()}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T);
    });
  });
}

const loads: number[] = [];
const loadStart = os.loadavg();

// The lake and the report request.
const lake = await ensureLake(path.join(ROOT, '.cache/bench'), lakeOptions(scale, format), {
  skipGenerate: args['skip-generate'],
  log,
});
const files = await discoverTenantFiles(lake.dir, BENCH_TENANT);
const end = BENCH_END;
const start = DateTime.fromISO(end, { zone: 'UTC' })
  .minus({ days: PERIOD_DAYS - 1 })
  .toISODate()!;
const request: ReportRequest = {
  tenantId: BENCH_TENANT,
  timezone: DEFAULT_TIMEZONE,
  start,
  end,
  attributionDays: DEFAULT_ATTRIBUTION_DAYS,
};
const window = reportWindow(request, files.partitions.contacts.at(-1) ?? null);

// Bytes: what each query reads (its columns in the partitions its dt range selects), and what the report needs.
log('reading Parquet column-chunk sizes');
const bytes = await columnBytes(files);
const queries = [...loadQueries().values()];
const readsOf = (reads: TableRead[]) =>
  reads.map((r) => ({ ...r, bytes: bytesOf(bytes, r.table, r.columns, r.from, r.to) }));
const queryReads = new Map(queries.map((q) => [q.name, readsOf(tableReads(q, window.params))]));
const needed = readsOf(neededReads(window.params));
const neededBytes = needed.reduce((s, r) => s + r.bytes, 0);

// Report and floor, alternately, each in a fresh process; the first pair warms the page cache and is dropped.
const workDir = path.join(ROOT, '.cache/bench', `scale-${scale}${format === 'ndjson' ? '-ndjson' : ''}`);
const metricsFile = path.join(workDir, 'metrics.json');
const reportOptions = (metricsOut?: string): ReportChildOptions => ({
  lakeDir: lake.dir,
  request,
  ...(memoryLimit ? { memoryLimit } : {}),
  ...(threads ? { threads } : {}),
  ...(metricsOut ? { metricsOut } : {}),
});
const floorOptions: FloorChildOptions = {
  lakeDir: lake.dir,
  tenantId: BENCH_TENANT,
  reads: needed,
  ...(memoryLimit ? { memoryLimit } : {}),
  ...(threads ? { threads } : {}),
};
const reportRuns: ReportChildResult[] = [];
const floorRuns: FloorChildResult[] = [];
for (let r = 0; r <= runs; r++) {
  const label = r === 0 ? 'warm-up' : `run ${r}/${runs}`;
  loads.push(load1());
  const report = await child<ReportChildResult>('report', reportOptions(r === 0 ? metricsFile : undefined));
  const floor = await child<FloorChildResult>('floor', floorOptions);
  log(`${label}: report ${round(report.totalMs)} ms (peak RSS ${report.maxRssMiB} MiB), floor ${round(floor.ms)} ms`);
  if (r === 0) continue;
  reportRuns.push(report);
  floorRuns.push(floor);
}
const metrics = readFileSync(metricsFile, 'utf8');
const { execution: _execution, ...metricsWithoutExecution } = JSON.parse(metrics) as Record<string, unknown>;
const metricsSha256 = createHash('sha256').update(JSON.stringify(metricsWithoutExecution)).digest('hex');

// Rendering, in its own fresh process.
let render: (RenderChildResult & { median: RenderTimes; afterWarmUp: RenderChildResult }) | null = null;
if (!args['no-render']) {
  log('rendering charts, email and page (cold, then after a warm-up)');
  loads.push(load1());
  const result = await child<RenderChildResult>('render', { metricsFile, runs } satisfies RenderChildOptions);
  const afterWarmUp = await child<RenderChildResult>('render', {
    metricsFile,
    runs: 0,
    warmUp: true,
  } satisfies RenderChildOptions);
  const part = (k: keyof RenderTimes) => median(result.next.map((t) => t[k]));
  render = {
    ...result,
    afterWarmUp,
    median: {
      chartsMs: part('chartsMs'),
      emailMs: part('emailMs'),
      pageMs: part('pageMs'),
      renderReportMs: part('renderReportMs'),
    },
  };
}

// Lambda bundles.
let lambdas: ColdStart[] = [];
if (!args['no-lambda']) {
  loads.push(load1());
  lambdas = coldStarts(runs, log);
}
const loadEnd = os.loadavg();

// Summary.
const queryNames = [...new Set(reportRuns.flatMap((r) => r.queries.map((q) => q.query)))].sort();
const perQuery = queryNames.map((name) => {
  const reads = queryReads.get(name) ?? [];
  const queryBytes = reads.reduce((s, r) => s + r.bytes, 0);
  return {
    query: name,
    medianMs: median(reportRuns.map((r) => r.queries.find((q) => q.query === name)?.engineMs ?? Number.NaN)),
    bytes: queryBytes,
    athenaUsd: athenaUsd(queryBytes),
    reads,
  };
});
const bytesRead = perQuery.reduce((s, q) => s + q.bytes, 0);
const reportMs = median(reportRuns.map((r) => r.reportMs));
const totalMs = median(reportRuns.map((r) => r.totalMs));
const floorMs = median(floorRuns.map((r) => r.ms));
const reportCpuMs = median(reportRuns.map((r) => r.cpuMs));
const floorCpuMs = median(floorRuns.map((r) => r.cpuMs));
const cpus = os.cpus();

const results = {
  scale,
  format,
  generatedAt: new Date().toISOString(),
  command: `npm run bench -- --scale ${scale} --runs ${runs}${format === 'ndjson' ? ' --format ndjson' : ''}${memoryLimit ? ` --memory-limit ${memoryLimit}` : ''}${threads ? ` --threads ${threads}` : ''}`,
  machine: {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    loadAverage: { start: loadStart.map((l) => round(l, 2)), end: loadEnd.map((l) => round(l, 2)) },
    /** 1-minute load average when each measurement started: the machine is shared. */
    loadAtRuns: loads.map((l) => round(l, 2)),
  },
  lake: { dir: path.relative(ROOT, lake.dir), rows: lake.rows ?? null, options: lake.options },
  request,
  settings: { runs, warmUp: 1, memoryLimit: memoryLimit ?? 'engine default', threads: threads ?? 'engine default' },
  report: {
    medianMs: {
      whole: round(totalMs),
      engineOpen: round(median(reportRuns.map((r) => r.openMs))),
      queries: round(reportMs),
    },
    runsMs: reportRuns.map((r) => round(r.totalMs)),
    /** CPU time of the whole report (all threads): less sensitive than wall time to other work on the machine. */
    medianCpuMs: round(reportCpuMs),
    peakRssMiB: {
      max: Math.max(...reportRuns.map((r) => r.maxRssMiB)),
      median: median(reportRuns.map((r) => r.maxRssMiB)),
    },
    queries: perQuery.map((q) => ({ ...q, medianMs: round(q.medianMs), athenaUsd: round(q.athenaUsd, 6) })),
    metricsSha256,
  },
  floor: {
    medianMs: round(floorMs),
    runsMs: floorRuns.map((r) => round(r.ms)),
    medianCpuMs: round(floorCpuMs),
    peakRssMiB: Math.max(...floorRuns.map((r) => r.maxRssMiB)),
    reads: needed,
    rows: floorRuns[0]?.rows,
    sqlChars: floorRuns[0]?.sql.length,
  },
  ratios: {
    wholeReportToFloor: round(totalMs / floorMs, 2),
    queriesToFloor: round(reportMs / floorMs, 2),
    cpuToFloorCpu: round(reportCpuMs / floorCpuMs, 2),
    bytesReadToNeeded: round(bytesRead / neededBytes, 3),
  },
  bytes: {
    readPerReport: bytesRead,
    neededPerReport: neededBytes,
    athenaUsdPerReport: round(
      perQuery.reduce((s, q) => s + q.athenaUsd, 0),
      6,
    ),
  },
  render: render && {
    /** renderReport's first call in a fresh process. */
    firstCallMs: round(render.firstMs),
    /** The same after warmUpRenderer() (which the CLI, the pipeline and the API run while the queries run). */
    afterWarmUpMs: round(render.afterWarmUp.firstMs),
    warmUpMs: round(render.afterWarmUp.warmUpMs ?? 0),
    medianMs: Object.fromEntries(Object.entries(render.median).map(([k, v]) => [k, round(v)])),
    charts: render.charts,
    peakRssMiB: render.maxRssMiB,
  },
  lambdas: lambdas.map((l) => ({
    entry: l.entry,
    bundleBytes: l.bundleBytes,
    bundleMs: round(l.bundleMs),
    medianImportMs: round(median(l.importMs)),
    medianProcessMs: round(median(l.processMs)),
    importMs: l.importMs.map((x) => round(x)),
    ...(l.error ? { error: l.error } : {}),
  })),
};

const outFile =
  args.out ?? path.join(ROOT, 'bench/results', `scale-${scale}${format === 'ndjson' ? '-ndjson' : ''}.json`);
mkdirSync(path.dirname(outFile), { recursive: true });
// Formatted as the repository formats JSON, so the committed figures pass `prettier --check`.
const prettierOptions = (await prettier.resolveConfig(outFile)) ?? {};
writeFileSync(outFile, await prettier.format(JSON.stringify(results), { ...prettierOptions, parser: 'json' }));

// The table.
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const usd = (x: number) => `$${x.toFixed(6)}`;
const row = (cells: (string | number)[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
const widths = [28, 10, 12, 12];
const lines = [
  `Contact Behavior report benchmark: scale ${scale} (${format}), tenant ${request.tenantId}, ${request.start}..${request.end} ${request.timezone}`,
  `machine: ${results.machine.cores} cores (${results.machine.cpu}), Node ${process.version}; load average at the runs: median ${round(median(loads), 2)} (start ${results.machine.loadAverage.start.join(' ')}, end ${results.machine.loadAverage.end.join(' ')})`,
  `DuckDB memory_limit ${results.settings.memoryLimit}, threads ${results.settings.threads}; ${runs} runs after 1 warm-up, medians; each run a fresh process`,
  '',
  row(['query', 'median ms', 'bytes read', 'Athena cost'], widths),
  ...results.report.queries.map((q) => row([q.query, q.medianMs, mb(q.bytes), usd(q.athenaUsd)], widths)),
  row(['all queries', results.report.medianMs.queries, mb(bytesRead), usd(results.bytes.athenaUsdPerReport)], widths),
  row(['engine open (views)', results.report.medianMs.engineOpen, '', ''], widths),
  row(['whole report', results.report.medianMs.whole, '', ''], widths),
  row(['floor: one scan of the needs', results.floor.medianMs, mb(neededBytes), usd(athenaUsd(neededBytes))], widths),
  '',
  `whole report / floor: ${results.ratios.wholeReportToFloor}  (queries only: ${results.ratios.queriesToFloor}; CPU time ${round(reportCpuMs)} / ${round(floorCpuMs)} ms = ${results.ratios.cpuToFloorCpu})`,
  `bytes read / bytes needed: ${results.ratios.bytesReadToNeeded}`,
  `peak RSS of a report process: ${results.report.peakRssMiB.max} MiB (median ${results.report.peakRssMiB.median}); floor process ${results.floor.peakRssMiB} MiB`,
  ...(results.render
    ? [
        `render (${results.render.charts} charts, email, page): first call in a fresh process ${results.render.firstCallMs} ms; after the warm-up (${results.render.warmUpMs} ms, run while the queries run) ${results.render.afterWarmUpMs} ms; warm medians: charts ${results.render.medianMs.chartsMs} ms, email ${results.render.medianMs.emailMs} ms, page ${results.render.medianMs.pageMs} ms, renderReport ${results.render.medianMs.renderReportMs} ms`,
      ]
    : []),
  ...results.lambdas.map((l) =>
    l.error
      ? `lambda ${l.entry}: ${l.error}`
      : `lambda ${l.entry}: cold import ${l.medianImportMs} ms (whole node process ${l.medianProcessMs} ms), bundle ${mb(l.bundleBytes)}`,
  ),
  `metrics sha256 (without execution): ${metricsSha256.slice(0, 16)}`,
  `written to ${path.relative(ROOT, outFile)}`,
];
console.log(lines.join('\n'));
