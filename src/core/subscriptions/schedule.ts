import { DateTime } from 'luxon';
import { closedPeriod } from '../closed-period.ts';

export const SCHEDULE_CADENCES = ['daily', 'weekdays', 'weekly', 'monthly'] as const;
export type ScheduleCadence = (typeof SCHEDULE_CADENCES)[number];

/** ISO weekday: 1 = Monday … 7 = Sunday (the schema checks the range). */
export type IsoWeekday = number;

interface ScheduleBase {
  /** Local wall-clock send time, HH:MM (24 h). */
  time: string;
  /** IANA zone the time and every date are read in. */
  timezone: string;
}

/** When a digest is sent: every day, Monday–Friday, one weekday a week, or one day a month. */
export type Schedule =
  | (ScheduleBase & { cadence: 'daily' })
  | (ScheduleBase & { cadence: 'weekdays' })
  | (ScheduleBase & { cadence: 'weekly'; weekday: IsoWeekday })
  | (ScheduleBase & { cadence: 'monthly'; dayOfMonth: number | 'last' });

/** The dates a schedule may send on, inclusive local dates (`YYYY-MM-DD`); either may be open. */
export interface ActiveDates {
  startDate?: string | undefined;
  endDate?: string | undefined;
}

export interface Period {
  start: string;
  end: string;
}

/** Whether the schedule sends on this local date (ignoring the time of day). */
export function sendsOn(schedule: Schedule, date: DateTime): boolean {
  switch (schedule.cadence) {
    case 'daily':
      return true;
    case 'weekdays':
      return date.weekday <= 5;
    case 'weekly':
      return date.weekday === schedule.weekday;
    case 'monthly':
      return schedule.dayOfMonth === 'last' ? date.day === date.daysInMonth : date.day === schedule.dayOfMonth;
  }
}

/**
 * The instant a local date's send time falls on. A time inside the spring-forward gap (it does not
 * exist that day) resolves to the first instant after the gap, the moment the clocks jump; a time
 * that happens twice (the autumn repeated hour) resolves to its first occurrence.
 */
export function sendInstant(schedule: Pick<Schedule, 'time' | 'timezone'>, localDate: string): Date {
  const [hour, minute] = schedule.time.split(':').map(Number) as [number, number];
  const wanted = DateTime.fromISO(localDate, { zone: schedule.timezone }).set({ hour, minute });
  if (wanted.hour === hour && wanted.minute === minute) {
    // Luxon resolves an ambiguous wall time to one of its two offsets: take the earlier instant.
    const earlier = wanted.minus({ hours: 1 });
    if (earlier.hour === hour && earlier.minute === minute) return earlier.toJSDate();
    return wanted.toJSDate();
  }
  // In the gap: Luxon moved the time forward by the gap's length. The jump lies within the hours
  // before; find its first instant (offsets change on whole minutes) by bisection.
  let before = wanted.toMillis() - 3 * 3600_000;
  let after = wanted.toMillis();
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone: schedule.timezone }).offset;
  const late = offsetAt(after);
  while (after - before > 60_000) {
    const mid = Math.floor((before + after) / 2 / 60_000) * 60_000;
    if (offsetAt(mid) === late) after = mid;
    else before = mid;
  }
  return new Date(after);
}

/** A send date must lie within the optional first and last date. */
function within(dates: ActiveDates, date: string): boolean {
  return (!dates.startDate || date >= dates.startDate) && (!dates.endDate || date <= dates.endDate);
}

/** Days looked ahead before concluding a schedule never sends again (a month, plus a spare). */
const HORIZON_DAYS = 40;

/**
 * The first send instant strictly after `after`, or null when there is none (past the last date).
 * Each matching local date sends exactly once, so no day is skipped and none is sent twice.
 */
export function nextDue(schedule: Schedule, after: Date, dates: ActiveDates = {}): Date | null {
  let day = DateTime.fromJSDate(after, { zone: schedule.timezone }).startOf('day').minus({ days: 1 });
  if (dates.startDate) {
    const first = DateTime.fromISO(dates.startDate, { zone: schedule.timezone }).minus({ days: 1 });
    if (first > day) day = first;
  }
  for (let i = 0; i < HORIZON_DAYS + 2; i++, day = day.plus({ days: 1 })) {
    const date = day.toISODate()!;
    if (dates.endDate && date > dates.endDate) return null;
    if (!sendsOn(schedule, day) || !within(dates, date)) continue;
    const at = sendInstant(schedule, date);
    if (at.getTime() > after.getTime()) return at;
  }
  return null;
}

/** Every send instant in the half-open interval [from, to), in order. */
export function dueBetween(schedule: Schedule, from: Date, to: Date, dates: ActiveDates = {}): Date[] {
  const found: Date[] = [];
  let cursor = new Date(from.getTime() - 1);
  for (;;) {
    const next = nextDue(schedule, cursor, dates);
    if (!next || next.getTime() >= to.getTime()) return found;
    found.push(next);
    cursor = next;
  }
}

/**
 * The local date a send instant belongs to: the date whose send time it is. A gap-shifted send
 * (03:00 for 02:30) still belongs to its own date; the instant is never on another day.
 */
export function sendDate(schedule: Pick<Schedule, 'timezone'>, at: Date): DateTime {
  return DateTime.fromJSDate(at, { zone: schedule.timezone }).startOf('day');
}

/**
 * The period a send at `at` reports, the one that has just closed in the schedule's zone:
 * daily → yesterday; weekdays → the days since the previous weekday send (Monday: Friday–Sunday);
 * weekly → the seven days ending yesterday (a Monday send: Monday–Sunday); monthly → the previous month.
 */
export function reportedPeriod(schedule: Schedule, at: Date): Period {
  const today = sendDate(schedule, at);
  const yesterday = today.minus({ days: 1 });
  switch (schedule.cadence) {
    case 'daily':
      return closedPeriod('daily', schedule.timezone, at);
    case 'weekdays': {
      // Saturday and Sunday are reported with Friday on Monday, so no day is left out.
      const back = today.weekday === 1 ? 3 : 1;
      return { start: today.minus({ days: back }).toISODate()!, end: yesterday.toISODate()! };
    }
    case 'weekly':
      return { start: today.minus({ days: 7 }).toISODate()!, end: yesterday.toISODate()! };
    case 'monthly':
      return closedPeriod('monthly', schedule.timezone, at);
  }
}

/** The last send instant at or before `at` (within the horizon), the one `POST …/run` reports for. */
export function lastDueAtOrBefore(schedule: Schedule, at: Date): Date | null {
  const from = new Date(at.getTime() - (HORIZON_DAYS - 5) * 86_400_000);
  const found = dueBetween(schedule, from, new Date(at.getTime() + 1));
  return found.at(-1) ?? null;
}
