import { DateTime, IANAZone } from 'luxon';
import { InputError } from './errors.ts';

export const DEFAULT_TIMEZONE = 'America/Sao_Paulo';
export const DEFAULT_ATTRIBUTION_DAYS = 7;
export const MAX_PERIOD_DAYS = 366;
export const MAX_ATTRIBUTION_DAYS = 90;

const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What a report is asked for, validated: nothing reaches a query before passing through here. */
export interface ReportRequest {
  tenantId: string;
  timezone: string;
  /** Local calendar dates, both inclusive. */
  start: string;
  end: string;
  attributionDays: number;
}

export interface RawReportRequest {
  tenantId: string;
  timezone?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  attributionDays?: number | string | undefined;
}

export function validateTenantId(tenantId: string): string {
  if (!TENANT_ID.test(tenantId)) {
    throw new InputError(
      `invalid tenant id ${JSON.stringify(tenantId)}: expected lowercase letters, digits, '_' or '-', starting with a letter or digit, at most 63 characters`,
    );
  }
  return tenantId;
}

export function validateTimezone(timezone: string): string {
  // Offsets like "UTC-3" or "Etc/GMT+3" are valid zones too, but only IANA names are portable to Athena.
  if (!IANAZone.isValidZone(timezone) || !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(timezone)) {
    throw new InputError(
      `unknown time zone ${JSON.stringify(timezone)}: expected an IANA name such as America/Sao_Paulo`,
    );
  }
  return timezone;
}

export function validateDate(value: string, what: string): string {
  const parsed = DateTime.fromISO(value, { zone: 'UTC' });
  if (!ISO_DATE.test(value) || !parsed.isValid) {
    throw new InputError(`invalid ${what} date ${JSON.stringify(value)}: expected a calendar date as YYYY-MM-DD`);
  }
  return value;
}

export function validateAttributionDays(value: number | string): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_ATTRIBUTION_DAYS) {
    throw new InputError(
      `invalid attribution days ${JSON.stringify(value)}: expected a whole number from 1 to ${MAX_ATTRIBUTION_DAYS}`,
    );
  }
  return n;
}

/** The last complete Monday–Sunday week before `now`, in `timezone`. */
export function lastCompleteWeek(now: Date, timezone: string): { start: string; end: string } {
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf('day');
  const thisMonday = today.minus({ days: today.weekday - 1 });
  const start = thisMonday.minus({ weeks: 1 });
  return { start: start.toISODate()!, end: start.plus({ days: 6 }).toISODate()! };
}

/** Validates every field and fills the defaults (last complete week, São Paulo, 7 days). */
export function parseReportRequest(raw: RawReportRequest, now: Date = new Date()): ReportRequest {
  const tenantId = validateTenantId(raw.tenantId);
  const timezone = validateTimezone(raw.timezone ?? DEFAULT_TIMEZONE);
  const attributionDays = validateAttributionDays(raw.attributionDays ?? DEFAULT_ATTRIBUTION_DAYS);
  if ((raw.start === undefined) !== (raw.end === undefined)) {
    throw new InputError('give both --from and --to, or neither for the last complete week');
  }
  const week = lastCompleteWeek(now, timezone);
  const start = raw.start === undefined ? week.start : validateDate(raw.start, 'start (--from)');
  const end = raw.end === undefined ? week.end : validateDate(raw.end, 'end (--to)');
  if (start > end) {
    throw new InputError(`the period starts (${start}) after it ends (${end}): --from must not be after --to`);
  }
  const days = daysBetween(start, end) + 1;
  if (days > MAX_PERIOD_DAYS) {
    throw new InputError(`the period ${start}..${end} spans ${days} days; at most ${MAX_PERIOD_DAYS} are allowed`);
  }
  return { tenantId, timezone, start, end, attributionDays };
}

export function daysBetween(from: string, to: string): number {
  return DateTime.fromISO(to, { zone: 'UTC' }).diff(DateTime.fromISO(from, { zone: 'UTC' }), 'days').days;
}
