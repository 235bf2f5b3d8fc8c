import { STATE_BUCKETS } from '../core/brazil.ts';
import type { QueryEngine } from '../core/query-engine.port.ts';
import { FUNNEL_STAGES, type ReportMetrics } from '../core/report.types.ts';
import { renderReport } from './render-report.ts';

/** A small, made-up report that goes through every chart, the email and the page. */
function warmUpMetrics(): ReportMetrics {
  const days = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'];
  const months = ['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'];
  return {
    schemaVersion: 1,
    tenantId: 'warm-up',
    timezone: 'America/Sao_Paulo',
    period: { start: days[0]!, end: days[6]! },
    previousPeriod: { start: '2026-11-09', end: '2026-11-15' },
    attributionDays: 7,
    kpis: {
      contactBase: { value: 4800, previous: 4700 },
      reachedContacts: { value: 1100, previous: 1000 },
      contactsInSales: { value: 150, previous: 140 },
      contactsInSupport: { value: 96, previous: 101 },
    },
    messageFunnel: FUNNEL_STAGES.map((stage, i) => ({ stage, contacts: 1200 - i * 200 })),
    journeyFunnel: [
      { stage: 'REACHED', contacts: 1100 },
      { stage: 'SALES', contacts: 120 },
    ],
    contactsByMonth: months.map((month, i) => ({
      month,
      broadcast: 900 + i * 10,
      sales: 120 + i,
      support: 80 + i,
      total: 1000 + i * 10,
    })),
    contactsByState: STATE_BUCKETS.map((state, i) => ({ state, contacts: (STATE_BUCKETS.length - i) * 10 })),
    dailyVolume: days.map((date, i) => ({
      date,
      broadcasts: 300 + i * 20,
      salesServices: 20 + i,
      supportServices: 12 + i,
    })),
    serviceDistribution: { sales: 160, support: 100 },
    salesHeatmap: Array.from({ length: 168 }, (_, i) => ({
      weekday: Math.floor(i / 24) + 1,
      hour: i % 24,
      messages: (i * 7) % 13,
    })),
    dataQuality: {
      tables: {
        contacts: { rowsRead: 4800, rowsSkipped: 0 },
        broadcast_events: { rowsRead: 9000, rowsSkipped: 3 },
        services: { rowsRead: 500, rowsSkipped: 0 },
        service_messages: { rowsRead: 2000, rowsSkipped: 1 },
      },
      unknownStatusEvents: 2,
      unknownModuleRows: 1,
      contactsSnapshot: '2026-11-22',
    },
    execution: { engine: 'duckdb', generatedAt: '2026-11-23T00:00:00.000Z', totalMs: 0, queries: [] },
  };
}

/** Lets the event loop run (a query that finished can start the next one) before the next step. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** renderReport in steps of at most one chart each. */
async function warmUp(): Promise<void> {
  await renderReport(warmUpMetrics(), {
    locale: 'pt-BR',
    reportUrl: 'https://example.com/',
    from: 'warm-up@example.com',
    to: ['warm-up@example.com'],
    between: yieldToEventLoop,
  });
}

let warming: Promise<void> | undefined;

/**
 * Renders a small made-up report once per process, discarding it: the first render of a process pays for V8
 * compiling and optimising Vega and the WebAssembly rasterizer (over 1 s on 2 cores), and later ones do not. It yields between charts, so finished queries are not kept waiting. Never rejects: a real problem
 * shows up in the real render.
 */
export function warmUpRenderer(): Promise<void> {
  warming ??= warmUp().catch(() => undefined);
  return warming;
}

/**
 * For BuildReportOptions.onQueriesStarted: while Athena runs the queries this process only waits, so it warms the
 * renderer up, and the render that follows is a warm one. Not with DuckDB, whose threads already keep every core
 * busy: there the warm-up would only slow the queries down.
 */
export function warmUpWhileQueriesRun(engine: QueryEngine['kind']): void {
  if (engine === 'athena') void warmUpRenderer();
}

/** Resolves once a warm-up that was started is over (at once when none was). */
export function rendererWarmedUp(): Promise<void> {
  return warming ?? Promise.resolve();
}
