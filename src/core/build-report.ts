import { QueryError } from './errors.ts';
import { STATE_BUCKETS } from './brazil.ts';
import type { QueryEngine, Row } from './query-engine.port.ts';
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

const num = (row: Row | undefined, key: string): number => {
  const value = row?.[key];
  if (value === null || value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`query result ${key}=${String(value)} is not a whole count`);
  return n;
};

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

  const running = Promise.all(QUERY_NAMES.map(run));
  options.onQueriesStarted?.(engine.kind);
  const [base = [], activity = [], heatmap = []] = await running;

  const snapshot = base.find((r) => r.state === null);
  const summary = activity.find((r) => r.local_date === null);
  const quality = heatmap.find((r) => r.weekday === null);
  return {
    schemaVersion: 1,
    tenantId: request.tenantId,
    timezone: request.timezone,
    period: { start: request.start, end: request.end },
    previousPeriod: window.previous,
    attributionDays: request.attributionDays,
    kpis: {
      contactBase: { value: num(snapshot, 'value'), previous: num(snapshot, 'previous') },
      reachedContacts: { value: num(summary, 'reached_contacts'), previous: num(summary, 'reached_previous') },
      contactsInSales: { value: num(summary, 'sales_contacts'), previous: num(summary, 'sales_previous') },
      contactsInSupport: { value: num(summary, 'support_contacts'), previous: num(summary, 'support_previous') },
    },
    messageFunnel: FUNNEL_STAGES.map((stage) => ({
      stage,
      contacts: num(summary, `${stage.toLowerCase()}_contacts`),
    })),
    journeyFunnel: [
      { stage: 'REACHED', contacts: num(summary, 'reached_contacts') },
      { stage: 'SALES', contacts: num(summary, 'journey_sales') },
    ],
    contactsByMonth: window.months.map((month, i) => ({
      month,
      broadcast: num(summary, `month_${i + 1}_broadcast`),
      sales: num(summary, `month_${i + 1}_sales`),
      support: num(summary, `month_${i + 1}_support`),
      total: num(summary, `month_${i + 1}_total`),
    })),
    contactsByState: contactsByState(base.filter((r) => r.state !== null)),
    dailyVolume: dailyVolume(
      window,
      activity.filter((r) => r.local_date !== null),
    ),
    serviceDistribution: { sales: num(summary, 'sales_services'), support: num(summary, 'support_services') },
    salesHeatmap: salesHeatmap(heatmap.filter((r) => r.weekday !== null)),
    dataQuality: {
      tables: {
        contacts: { rowsRead: num(snapshot, 'rows_read'), rowsSkipped: num(snapshot, 'rows_skipped') },
        broadcast_events: { rowsRead: num(summary, 'broadcast_rows'), rowsSkipped: num(summary, 'broadcast_skipped') },
        services: { rowsRead: num(summary, 'service_rows'), rowsSkipped: num(summary, 'service_skipped') },
        service_messages: { rowsRead: num(quality, 'rows_read'), rowsSkipped: num(quality, 'rows_skipped') },
      },
      unknownStatusEvents: num(summary, 'broadcast_unknown'),
      unknownModuleRows: num(summary, 'service_unknown') + num(quality, 'unknown_values'),
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

const indexBy = (rows: Row[], key: string) => new Map(rows.map((r) => [String(r[key]), r]));

function contactsByState(rows: Row[]): ReportMetrics['contactsByState'] {
  const byState = indexBy(rows, 'state');
  return STATE_BUCKETS.map((state) => ({ state, contacts: num(byState.get(state), 'value') })).sort(
    (a, b) => b.contacts - a.contacts || (a.state < b.state ? -1 : a.state > b.state ? 1 : 0),
  );
}

function dailyVolume(window: ReportWindow, rows: Row[]): ReportMetrics['dailyVolume'] {
  const byDate = indexBy(rows, 'local_date');
  return window.days.map((date) => {
    const row = byDate.get(date);
    return {
      date,
      broadcasts: num(row, 'sent_messages'),
      salesServices: num(row, 'sales_services'),
      supportServices: num(row, 'support_services'),
    };
  });
}

function salesHeatmap(rows: Row[]): ReportMetrics['salesHeatmap'] {
  const byCell = new Map(rows.map((r) => [`${num(r, 'weekday')}:${num(r, 'hour')}`, r]));
  const cells: ReportMetrics['salesHeatmap'] = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      cells.push({ weekday, hour, messages: num(byCell.get(`${weekday}:${hour}`), 'messages') });
    }
  }
  return cells;
}
