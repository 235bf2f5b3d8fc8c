/** Files of one report, by path relative to the report folder (`report.html`, `charts/…png`, …). */
export type ReportFiles = Map<string, string | Uint8Array>;
