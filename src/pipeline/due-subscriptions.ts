import { DateTime } from 'luxon';
import type { Cadence } from '../core/closed-period.ts';

export interface Schedule {
  cadence: Cadence;
  /** HH:MM, local. */
  sendAt: string;
  timezone: string;
}

/**
 * Whether the schedule fires at this instant (to the minute), as EventBridge Scheduler would:
 * daily at sendAt, weekly on Mondays, monthly on the 1st, in the schedule's own time zone.
 */
export function firesAt(schedule: Schedule, at: Date): boolean {
  const local = DateTime.fromJSDate(at, { zone: schedule.timezone });
  if (local.toFormat('HH:mm') !== schedule.sendAt) return false;
  if (schedule.cadence === 'weekly') return local.weekday === 1;
  if (schedule.cadence === 'monthly') return local.day === 1;
  return true;
}
