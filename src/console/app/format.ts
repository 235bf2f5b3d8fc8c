import type { ConsoleLocale } from './i18n.ts';

/** A local date `YYYY-MM-DD` as the UTC midnight that carries it (formatted in UTC, so the date never shifts). */
function utcDate(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

const dateFormat = (locale: ConsoleLocale) =>
  new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** A period of local dates: "16 – 22 de nov. de 2026" / "Nov 16 – 22, 2026"; one day is one date. */
export function formatPeriod(locale: ConsoleLocale, period: { start: string; end: string } | null): string {
  if (!period) return '—';
  const format = dateFormat(locale);
  if (period.start === period.end) return format.format(utcDate(period.start));
  return format.formatRange(utcDate(period.start), utcDate(period.end));
}

export function formatDate(locale: ConsoleLocale, date: string): string {
  return dateFormat(locale).format(utcDate(date));
}

/** An instant in a zone (the subscription's, or the browser's when none is given), with the weekday. */
export function formatInstant(locale: ConsoleLocale, instant: string | Date, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(timeZone && { timeZone }),
  }).format(typeof instant === 'string' ? new Date(instant) : instant);
}

/** A time zone id as people read it: "America/Sao_Paulo" → "America/Sao Paulo". */
export function zoneLabel(zone: string): string {
  return zone.replaceAll('_', ' ');
}

/** The time zones this browser knows, for the editor's list (the subscription's own is always kept). */
export function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const zones = new Set(['America/Sao_Paulo', ...known, current]);
  return [...zones].sort((a, b) => a.localeCompare(b));
}

/** The Monday–Sunday week before the one containing `now`, in the browser's zone: the on-demand form's default. */
export function lastWeek(now: Date = new Date()): { start: string; end: string } {
  const today = new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
  const isoWeekday = ((today.getUTCDay() + 6) % 7) + 1;
  const end = new Date(today.getTime() - isoWeekday * 86_400_000);
  const start = new Date(end.getTime() - 6 * 86_400_000);
  return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) };
}
