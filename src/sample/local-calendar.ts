/** Local days of one IANA zone as UTC second ranges, precomputed so hot loops never call luxon. */
import { DateTime } from 'luxon';

export const DAY_S = 86_400;

/** Epoch seconds of a YYYY-MM-DD at 00:00 UTC. */
export function utcDayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

export function addDays(date: string, days: number): string {
  return new Date((utcDayStart(date) + days * DAY_S) * 1000).toISOString().slice(0, 10);
}

export class LocalCalendar {
  /** starts[i] = epoch seconds of local midnight of day i; one extra entry closes the last day. */
  private readonly starts: Float64Array;
  /** ISO weekday of day i: 1 = Monday ... 7 = Sunday. */
  private readonly weekdays: Uint8Array;
  readonly dayCount: number;

  constructor(zone: string, firstDate: string, lastDate: string) {
    const first = DateTime.fromISO(firstDate, { zone });
    this.dayCount = Math.round((utcDayStart(lastDate) - utcDayStart(firstDate)) / DAY_S) + 1;
    this.starts = new Float64Array(this.dayCount + 1);
    this.weekdays = new Uint8Array(this.dayCount + 1);
    for (let i = 0; i <= this.dayCount; i++) {
      const day = first.plus({ days: i });
      this.starts[i] = day.toSeconds();
      this.weekdays[i] = day.weekday;
    }
  }

  start(day: number): number {
    return this.starts[day]!;
  }

  weekday(day: number): number {
    return this.weekdays[day]!;
  }

  isWeekday(day: number): boolean {
    return this.weekdays[day]! <= 5;
  }

  /** Local day index holding instant t (clamped to the calendar). */
  dayOf(t: number): number {
    const s = this.starts;
    let i = Math.floor((t - s[0]!) / DAY_S);
    if (i < 0) return 0;
    if (i >= this.dayCount) i = this.dayCount - 1;
    while (i > 0 && t < s[i]!) i--;
    while (i < this.dayCount - 1 && t >= s[i + 1]!) i++;
    return i;
  }

  /** Local hour (0-23) of instant t. */
  hourOf(t: number, day = this.dayOf(t)): number {
    return Math.min(23, Math.floor((t - this.starts[day]!) / 3600));
  }
}
