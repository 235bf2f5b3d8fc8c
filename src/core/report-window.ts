import { DateTime } from 'luxon';
import { daysBetween, type ReportRequest } from './report-request.ts';

/**
 * Every instant, date and partition bound a report's queries need, computed once from the request.
 * Instants are ISO-8601 UTC strings (what `from_iso8601_timestamp` reads on both engines).
 */
export interface ReportWindow {
  request: ReportRequest;
  previous: { start: string; end: string };
  /** Local dates of the period, oldest first. */
  days: string[];
  /** The six months (YYYY-MM) ending with the month of the period's end date, oldest first. */
  months: string[];
  params: QueryParams;
}

/** Named query parameters; each .sql file lists the names it binds, in order. */
export interface QueryParams {
  tenant_id: string;
  timezone: string;
  period_start_at: string;
  period_end_at: string;
  previous_start_at: string;
  /** Local midnight of the first day of each of the six months (months_start_at: the first one). */
  months_start_at: string;
  month_2_start_at: string;
  month_3_start_at: string;
  month_4_start_at: string;
  month_5_start_at: string;
  month_6_start_at: string;
  attribution_hours: number;
  /** dt partitions that hold the period (a local day spans the neighbouring UTC dates). */
  period_dt_from: string;
  /** dt partitions that hold the previous period and the period. */
  previous_dt_from: string;
  /** dt partitions that hold the six months. */
  months_dt_from: string;
  /** The first dt partition any query reads. */
  first_dt: string;
  /** The last dt partition any query reads. */
  dt_to: string;
  /** The contacts snapshot (its dt) the report uses; empty when the tenant has none. */
  snapshot_dt: string;
}

export type QueryParamName = keyof QueryParams;

const localMidnight = (date: string, zone: string) => DateTime.fromISO(date, { zone }).startOf('day');
const instant = (t: DateTime) => t.toUTC().toISO({ suppressMilliseconds: false })!;
const shiftDate = (date: string, days: number) => DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;

export function reportWindow(request: ReportRequest, snapshotDt: string | null): ReportWindow {
  const { start, end, timezone: zone } = request;
  const length = daysBetween(start, end) + 1;
  const previous = { start: shiftDate(start, -length), end: shiftDate(start, -1) };
  const firstMonth = localMidnight(end, zone).startOf('month').minus({ months: 5 });
  const firstMonthDate = firstMonth.toISODate()!;

  const days = Array.from({ length }, (_, i) => shiftDate(start, i));
  const months = Array.from({ length: 6 }, (_, i) => firstMonth.plus({ months: i }).toFormat('yyyy-MM'));
  const earliest = previous.start < firstMonthDate ? previous.start : firstMonthDate;
  // The first instant of the month's first local day (its midnight, or later when a DST gap skips it).
  const monthStart = (i: number) => instant(localMidnight(firstMonth.plus({ months: i }).toISODate()!, zone));

  return {
    request,
    previous,
    days,
    months,
    params: {
      tenant_id: request.tenantId,
      timezone: zone,
      period_start_at: instant(localMidnight(start, zone)),
      period_end_at: instant(localMidnight(end, zone).plus({ days: 1 }).startOf('day')),
      previous_start_at: instant(localMidnight(previous.start, zone)),
      months_start_at: monthStart(0),
      month_2_start_at: monthStart(1),
      month_3_start_at: monthStart(2),
      month_4_start_at: monthStart(3),
      month_5_start_at: monthStart(4),
      month_6_start_at: monthStart(5),
      attribution_hours: request.attributionDays * 24,
      period_dt_from: shiftDate(start, -1),
      previous_dt_from: shiftDate(previous.start, -1),
      months_dt_from: shiftDate(firstMonthDate, -1),
      first_dt: shiftDate(earliest, -1),
      dt_to: shiftDate(end, 1),
      snapshot_dt: snapshotDt ?? '',
    },
  };
}
