import { REPORT_PAGE } from '../core/archive-layout.ts';
import { contentTypeOf, type ReportStore } from '../core/report-store.port.ts';
import type { ReportFiles } from '../core/report-files.ts';

/**
 * Writes a rendered report's files under `prefix`, report.html last: the archive lists a report once its page
 * exists, so a half-archived report never shows.
 */
export async function archiveReport(store: ReportStore, prefix: string, files: ReportFiles): Promise<void> {
  const pageLast = [...files].sort(([a], [b]) => Number(a === REPORT_PAGE) - Number(b === REPORT_PAGE));
  for (const [name, body] of pageLast) await store.put(prefix + name, body, contentTypeOf(name));
}
