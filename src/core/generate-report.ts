import { buildReport, type BuildReportOptions } from './build-report.ts';
import type { EngineFactory } from './query-engine.port.ts';
import type { ReportMetrics } from './report.types.ts';
import type { ReportRequest } from './report-request.ts';

/** Opens the tenant's engine, computes the metrics and always releases the engine. */
export async function generateReport(
  request: ReportRequest,
  openEngine: EngineFactory,
  options: BuildReportOptions = {},
): Promise<ReportMetrics> {
  const engine = await openEngine(request.tenantId);
  try {
    return await buildReport(request, engine, options);
  } finally {
    await engine.close();
  }
}

/** metrics.json as written to disk: two-space indentation, a final newline. */
export function metricsJson(metrics: ReportMetrics): string {
  return JSON.stringify(metrics, null, 2) + '\n';
}
