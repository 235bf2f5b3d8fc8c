import { QueryError } from './errors.ts';
import { STATE_BUCKETS } from './brazil.ts';
import type { QueryEngine, Row } from './query-engine.port.ts';
import { QUERY_ZEROS, readRows, type QueryRow } from './query-rows.ts';
import { FUNNEL_STAGES, type QueryExecution, type ReportMetrics } from './report.types.ts';
import type { ReportRequest } from './report-request.ts';
import { reportWindow, type ReportWindow } from './report-window.ts';
import { bindValues, loadQueries, type SqlQuery } from './sql-catalog.ts';

export interface BuildReportOptions {
  now?: () => Date;
  onProgress?: (message: string) => void;
  /**
   * Called once every query is submitted: from here on this thread only waits (on DuckDB's threads or on Athena),
   * so it is the moment to start other work, like warming up the renderer (src/render/warm-up.ts).
   */
  onQueriesStarted?: (engine: QueryEngine['kind']) => void;
}

/**
 * The queries a report runs. Each reads its tables' partitions once (see their headers), but for contact_activity's
 * second, period-only read of services for the journey funnel: bytes read are what Athena bills.
 */
const QUERY_NAMES = ['contact_base', 'contact_activity', 'sales_heatmap'] as const;

/** The shared SQL, read from queries/ once per process. */
let catalog: Map<string, SqlQuery> | undefined;

/** Runs every metric query of metrics.md for one tenant and period, and assembles metrics.json. */
export async function buildReport(
  request: ReportRequest,
  engine: QueryEngine,
  options: BuildReportOptions = {},
): Promise<ReportMetrics> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const queries = (catalog ??= loadQueries());
  const window = reportWindow(request, await engine.newestSnapshot());
  const executions: QueryExecution[] = [];
  let done = 0;

  const run = async (name: string): Promise<Row[]> => {
    const query = queries.get(name);
    if (!query) throw new QueryError(name, 'no such query in queries/');
    const result = await engine.run(query, bindValues(query, window.params));
    executions.push(result.execution);
    options.onProgress?.(`query ${++done}/${QUERY_NAMES.length} ${name} (${result.execution.engineMs} ms)`);
    return result.rows;
  };

  const running = Promise.all([run('contact_base'), run('contact_activity'), run('sales_heatmap')] as const);
  options.onQueriesStarted?.(engine.kind);
  const [baseRows, activityRows, heatmapRows] = await running;
  const base = readRows('contact_base', baseRows);
  const activity = readRows('contact_activity', activityRows);
  const heatmap = readRows('sales_heatmap', heatmapRows);

  const snapshot = base.find((r) => r.state === null) ?? QUERY_ZEROS.contact_base;
  const summary = activity.find((r) => r.local_date === null) ?? QUERY_ZEROS.contact_activity;
  const quality = heatmap.find((r) => r.weekday === null) ?? QUERY_ZEROS.sales_heatmap;
  const month = (i: number, fact: string) => (summary as Record<string, unknown>)[`month_${i + 1}_${fact}`] as number;
  return {
    schemaVersion: 1,
    tenantId: request.tenantId,
    timezone: request.timezone,
    period: { start: request.start, end: request.end },
    previousPeriod: window.previous,
    attributionDays: request.attributionDays,
    kpis: {
      contactBase: { value: snapshot.value, previous: snapshot.previous },
      reachedContacts: { value: summary.reached_contacts, previous: summary.reached_previous },
      contactsInSales: { value: summary.sales_contacts, previous: summary.sales_previous },
      contactsInSupport: { value: summary.support_contacts, previous: summary.support_previous },
    },
    messageFunnel: FUNNEL_STAGES.map((stage) => ({
      stage,
      contacts: summary[`${stage.toLowerCase() as Lowercase<typeof stage>}_contacts`],
    })),
    journeyFunnel: [
      { stage: 'REACHED', contacts: summary.reached_contacts },
      { stage: 'SALES', contacts: summary.journey_sales },
    ],
    contactsByMonth: window.months.map((m, i) => ({
      month: m,
      broadcast: month(i, 'broadcast'),
      sales: month(i, 'sales'),
      support: month(i, 'support'),
      total: month(i, 'total'),
    })),
    contactsByState: contactsByState(base.filter((r) => r.state !== null)),
    dailyVolume: dailyVolume(
      window,
      activity.filter((r) => r.local_date !== null),
    ),
    serviceDistribution: { sales: summary.sales_services, support: summary.support_services },
    salesHeatmap: salesHeatmap(heatmap.filter((r) => r.weekday !== null)),
    dataQuality: {
      tables: {
        contacts: { rowsRead: snapshot.rows_read, rowsSkipped: snapshot.rows_skipped },
        broadcast_events: { rowsRead: summary.broadcast_rows, rowsSkipped: summary.broadcast_skipped },
        services: { rowsRead: summary.service_rows, rowsSkipped: summary.service_skipped },
        service_messages: { rowsRead: quality.rows_read, rowsSkipped: quality.rows_skipped },
      },
      unknownStatusEvents: summary.broadcast_unknown,
      unknownModuleRows: summary.service_unknown + quality.unknown_values,
      contactsSnapshot: window.params.snapshot_dt || null,
    },
    execution: {
      engine: engine.kind,
      generatedAt: now().toISOString(),
      totalMs: Math.round(performance.now() - started),
      queries: executions.sort((a, b) => a.query.localeCompare(b.query)),
    },
  };
}

function contactsByState(rows: QueryRow<'contact_base'>[]): ReportMetrics['contactsByState'] {
  const byState = new Map(rows.map((r) => [r.state, r.value]));
  return STATE_BUCKETS.map((state) => ({ state, contacts: byState.get(state) ?? 0 })).sort(
    (a, b) => b.contacts - a.contacts || (a.state < b.state ? -1 : a.state > b.state ? 1 : 0),
  );
}

function dailyVolume(window: ReportWindow, rows: QueryRow<'contact_activity'>[]): ReportMetrics['dailyVolume'] {
  const byDate = new Map(rows.map((r) => [r.local_date, r]));
  return window.days.map((date) => {
    const row = byDate.get(date);
    return {
      date,
      broadcasts: row?.sent_messages ?? 0,
      salesServices: row?.sales_services ?? 0,
      supportServices: row?.support_services ?? 0,
    };
  });
}

function salesHeatmap(rows: QueryRow<'sales_heatmap'>[]): ReportMetrics['salesHeatmap'] {
  const byCell = new Map(rows.map((r) => [`${r.weekday}:${r.hour}`, r.messages]));
  const cells: ReportMetrics['salesHeatmap'] = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      cells.push({ weekday, hour, messages: byCell.get(`${weekday}:${hour}`) ?? 0 });
    }
  }
  return cells;
}
