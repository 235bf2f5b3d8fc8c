import { REPORT_ID, reportsPrefix } from '../core/archive-layout.ts';
import type { ReportStore } from '../core/report-store.port.ts';
import { ValidationError } from './http.ts';

/** Parses a path segment as a report id: 400 naming the field when it cannot be one. */
export function parseReportId(raw: string, field = 'id'): string {
  if (!REPORT_ID.test(raw)) {
    throw new ValidationError(field, 'expected a report id: 1-128 lowercase letters, digits, "-" or "_"');
  }
  return raw;
}

export interface ArchivedReport {
  id: string;
  /** When the report page was written (the report.html object's last-modified time). */
  createdAt: Date;
}

export interface ArchivePage {
  items: ArchivedReport[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Position after the last item of a page: opaque to callers, base64url of `{ c: createdAt ms, i: id }`. */
interface Cursor {
  c: number;
  i: string;
}

export function encodeCursor(item: ArchivedReport): string {
  return Buffer.from(JSON.stringify({ c: item.createdAt.getTime(), i: item.id } satisfies Cursor)).toString(
    'base64url',
  );
}

export function decodeCursor(raw: string): Cursor {
  const invalid = () => new ValidationError('cursor', 'not a cursor returned by this API');
  if (raw.length > 512 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let value: Partial<Cursor> | null;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor> | null;
  } catch {
    throw invalid();
  }
  if (!Number.isSafeInteger(value?.c) || typeof value?.i !== 'string' || !REPORT_ID.test(value.i)) throw invalid();
  return value as Cursor;
}

/** Newest first: by creation time, then by id (both descending), so the order is total and stable. */
function newestFirst(a: ArchivedReport, b: ArchivedReport): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function after(item: ArchivedReport, cursor: Cursor): boolean {
  const t = item.createdAt.getTime();
  return t < cursor.c || (t === cursor.c && item.id < cursor.i);
}

/**
 * One page of a tenant's archive: every folder under `tenants/<tenant>/reports/` that has a report.html
 * (the last file a report writes, so half-written reports never show), newest first by the time that page
 * was written. The cursor is a position (time, id), not an offset, so reports archived while a caller
 * pages do not shift or repeat items. The whole prefix is listed per call: fine for thousands of reports.
 */
export async function listArchive(
  store: ReportStore,
  tenantId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<ArchivePage> {
  const prefix = reportsPrefix(tenantId);
  const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const reports: ArchivedReport[] = [];
  for (const object of await store.list(prefix)) {
    const rest = object.key.slice(prefix.length);
    const slash = rest.indexOf('/');
    const id = rest.slice(0, slash);
    if (slash > 0 && rest.slice(slash + 1) === 'report.html' && REPORT_ID.test(id)) {
      reports.push({ id, createdAt: object.lastModified });
    }
  }
  const ordered = reports.sort(newestFirst).filter((r) => !cursor || after(r, cursor));
  const items = ordered.slice(0, options.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: ordered.length > items.length && last ? encodeCursor(last) : null };
}
