import { QueryError } from './errors.ts';
import { STATE_BUCKETS } from './brazil.ts';
import type { QueryEngine, Row } from './query-engine.port.ts';
import { FUNNEL_STAGES, TABLES, type QueryExecution, type ReportMetrics, type TableName } from './report.types.ts';
import type { ReportRequest } from './report-request.ts';
import { reportWindow, type ReportWindow } from './report-window.ts';
import { bindValues, loadQueries, type SqlQuery } from './sql-catalog.ts';

export interface BuildReportOptions {
  queries?: Map<string, SqlQuery>;
  now?: () => Date;
  onProgress?: (message: string) => void;
}

const num = (row: Row | undefined, key: string): number => {
  const value = row?.[key];
  if (value === null || value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`query result ${key}=${String(value)} is not a whole count`);
  return n;
};

/** Runs every metric query of metrics.md for one tenant and period, and assembles metrics.json. */
export async function buildReport(
  request: ReportRequest,
  engine: QueryEngine,
  options: BuildReportOptions = {},
): Promise<ReportMetrics> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const queries = options.queries ?? loadQueries();
  const window = reportWindow(request, await engine.newestSnapshot());
  const executions: QueryExecution[] = [];
  let done = 0;

  const run = async (name: string): Promise<Row[]> => {
    const query = queries.get(name);
    if (!query) throw new QueryError(name, 'no such query in queries/');
    const result = await engine.run(query, bindValues(query, window.params));
    executions.push(result.execution);
    options.onProgress?.(`query ${++done}/${queries.size} ${name} (${result.execution.engineMs} ms)`);
    return result.rows;
  };

  const [contactBase, reached, services, funnel, journey, byMonth, byState, daily, distribution, heatmap, quality] =
    await Promise.all([
      run('contact_base'),
      run('reached_contacts'),
      run('service_contacts'),
      run('message_funnel'),
      run('journey_funnel'),
      run('contacts_by_month'),
      run('contacts_by_state'),
      run('daily_volume'),
      run('service_distribution'),
      run('sales_heatmap'),
      run('data_quality'),
    ]);

  const funnelRow = funnel[0];
  const serviceRow = services[0];
  return {
    schemaVersion: 1,
    tenantId: request.tenantId,
    timezone: request.timezone,
    period: { start: request.start, end: request.end },
    previousPeriod: window.previous,
    attributionDays: request.attributionDays,
    kpis: {
      contactBase: { value: num(contactBase[0], 'value'), previous: num(contactBase[0], 'previous') },
      reachedContacts: { value: num(reached[0], 'value'), previous: num(reached[0], 'previous') },
      contactsInSales: { value: num(serviceRow, 'sales_value'), previous: num(serviceRow, 'sales_previous') },
      contactsInSupport: { value: num(serviceRow, 'support_value'), previous: num(serviceRow, 'support_previous') },
    },
    messageFunnel: FUNNEL_STAGES.map((stage) => ({
      stage,
      contacts: num(funnelRow, `${stage.toLowerCase()}_contacts`),
    })),
    journeyFunnel: [
      { stage: 'REACHED', contacts: num(journey[0], 'reached') },
      { stage: 'SALES', contacts: num(journey[0], 'sales') },
    ],
    contactsByMonth: contactsByMonth(window, byMonth),
    contactsByState: contactsByState(byState),
    dailyVolume: dailyVolume(window, daily),
    serviceDistribution: { sales: num(distribution[0], 'sales'), support: num(distribution[0], 'support') },
    salesHeatmap: salesHeatmap(heatmap),
    dataQuality: dataQuality(window, quality),
    execution: {
      engine: engine.kind,
      generatedAt: now().toISOString(),
      totalMs: Math.round(performance.now() - started),
      queries: executions.sort((a, b) => a.query.localeCompare(b.query)),
    },
  };
}

const indexBy = (rows: Row[], key: string) => new Map(rows.map((r) => [String(r[key]), r]));

function contactsByMonth(window: ReportWindow, rows: Row[]): ReportMetrics['contactsByMonth'] {
  const byMonth = indexBy(rows, 'month');
  return window.months.map((month) => {
    const row = byMonth.get(month);
    return {
      month,
      broadcast: num(row, 'broadcast'),
      sales: num(row, 'sales'),
      support: num(row, 'support'),
      total: num(row, 'total'),
    };
  });
}

function contactsByState(rows: Row[]): ReportMetrics['contactsByState'] {
  const byState = indexBy(rows, 'state');
  return STATE_BUCKETS.map((state) => ({ state, contacts: num(byState.get(state), 'contacts') })).sort(
    (a, b) => b.contacts - a.contacts || (a.state < b.state ? -1 : a.state > b.state ? 1 : 0),
  );
}

function dailyVolume(window: ReportWindow, rows: Row[]): ReportMetrics['dailyVolume'] {
  const byDate = indexBy(rows, 'local_date');
  return window.days.map((date) => {
    const row = byDate.get(date);
    return {
      date,
      broadcasts: num(row, 'broadcasts'),
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

function dataQuality(window: ReportWindow, rows: Row[]): ReportMetrics['dataQuality'] {
  const byTable = indexBy(rows, 'table_name');
  const tables = Object.fromEntries(
    TABLES.map((t) => [
      t,
      { rowsRead: num(byTable.get(t), 'rows_read'), rowsSkipped: num(byTable.get(t), 'rows_skipped') },
    ]),
  ) as Record<TableName, { rowsRead: number; rowsSkipped: number }>;
  return {
    tables,
    unknownStatusEvents: num(byTable.get('broadcast_events'), 'unknown_values'),
    unknownModuleRows:
      num(byTable.get('services'), 'unknown_values') + num(byTable.get('service_messages'), 'unknown_values'),
    contactsSnapshot: window.params.snapshot_dt || null,
  };
}
