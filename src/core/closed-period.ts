import { DateTime } from 'luxon';
import { lastCompleteWeek } from './report-request.ts';

export const CADENCES = ['daily', 'weekly', 'monthly'] as const;
export type Cadence = (typeof CADENCES)[number];

/**
 * The period that has just closed at `at` in `timezone`: yesterday (daily), the previous Monday–Sunday
 * (weekly) or the previous calendar month (monthly).
 */
export function closedPeriod(cadence: Cadence, timezone: string, at: Date): { start: string; end: string } {
  const today = DateTime.fromJSDate(at, { zone: timezone }).startOf('day');
  switch (cadence) {
    case 'daily': {
      const yesterday = today.minus({ days: 1 }).toISODate()!;
      return { start: yesterday, end: yesterday };
    }
    case 'weekly':
      return lastCompleteWeek(at, timezone);
    case 'monthly': {
      const first = today.startOf('month').minus({ months: 1 });
      return { start: first.toISODate()!, end: first.endOf('month').toISODate()! };
    }
  }
}
