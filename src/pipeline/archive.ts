import { contentTypeOf, type ReportStore } from '../core/report-store.port.ts';
import type { ReportFiles } from '../local/report-folder.ts';

/** Where one report's files live in the store: a scheduled run's or an on-demand job's. */
export const reportPrefix = (tenantId: string, reportId: string) => `tenants/${tenantId}/reports/${reportId}/`;

/**
 * Writes a rendered report's files under `prefix`, report.html last: the archive lists a report once its page
 * exists, so a half-archived report never shows.
 */
export async function archiveReport(store: ReportStore, prefix: string, files: ReportFiles): Promise<void> {
  const pageLast = [...files].sort(([a], [b]) => Number(a === 'report.html') - Number(b === 'report.html'));
  for (const [name, body] of pageLast) await store.put(prefix + name, body, contentTypeOf(name));
}
