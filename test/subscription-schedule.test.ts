import { describe, expect, it } from 'vitest';
import {
  dueBetween,
  lastDueAtOrBefore,
  nextDue,
  reportedPeriod,
  sendInstant,
  type Schedule,
} from '../src/core/subscriptions/schedule.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const sp = 'America/Sao_Paulo';
const ny = 'America/New_York';

describe('send instants', () => {
  it('sends daily 02:30 New York at 03:00 EDT on the spring-forward day, and 02:30 on the days around it', () => {
    const daily: Schedule = { cadence: 'daily', time: '02:30', timezone: ny };
    const sends = dueBetween(daily, new Date('2026-03-06T12:00:00Z'), new Date('2026-03-10T12:00:00Z'));
    expect(sends.map(iso)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist: 03:00 EDT, the first instant after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('sends a time of the repeated autumn hour once, at its first occurrence', () => {
    const daily: Schedule = { cadence: 'daily', time: '01:30', timezone: ny };
    const sends = dueBetween(daily, new Date('2026-10-31T12:00:00Z'), new Date('2026-11-02T12:00:00Z'));
    expect(sends.map(iso)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    expect(iso(sendInstant(daily, '2026-11-01'))).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT, not EST
  });

  it('skips no day across a whole year of daily sends in a zone with daylight saving', () => {
    const daily: Schedule = { cadence: 'daily', time: '02:30', timezone: ny };
    const sends = dueBetween(daily, new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'));
    const dates = sends.map((d) => new Intl.DateTimeFormat('en-CA', { timeZone: ny }).format(d));
    expect(sends).toHaveLength(365);
    expect(new Set(dates).size).toBe(365);
  });

  it('sends weekdays Monday to Friday only', () => {
    const weekdays: Schedule = { cadence: 'weekdays', time: '08:00', timezone: sp };
    const sends = dueBetween(weekdays, new Date('2026-11-21T00:00:00Z'), new Date('2026-11-30T00:00:00Z'));
    expect(sends.map(iso)).toEqual([
      '2026-11-23T11:00:00.000Z',
      '2026-11-24T11:00:00.000Z',
      '2026-11-25T11:00:00.000Z',
      '2026-11-26T11:00:00.000Z',
      '2026-11-27T11:00:00.000Z',
    ]);
  });

  it('sends weekly on the chosen ISO weekday', () => {
    const wednesday: Schedule = { cadence: 'weekly', weekday: 3, time: '09:45', timezone: sp };
    expect(iso(nextDue(wednesday, new Date('2026-11-23T11:00:00Z')))).toBe('2026-11-25T12:45:00.000Z');
    const sunday: Schedule = { cadence: 'weekly', weekday: 7, time: '00:00', timezone: sp };
    expect(iso(nextDue(sunday, new Date('2026-11-23T11:00:00Z')))).toBe('2026-11-29T03:00:00.000Z');
  });

  it('sends monthly on day 1–28 or on the last day of each month', () => {
    const last: Schedule = { cadence: 'monthly', dayOfMonth: 'last', time: '18:00', timezone: sp };
    const sends = dueBetween(last, new Date('2027-01-15T00:00:00Z'), new Date('2027-05-01T00:00:00Z'));
    expect(sends.map(iso)).toEqual([
      '2027-01-31T21:00:00.000Z',
      '2027-02-28T21:00:00.000Z',
      '2027-03-31T21:00:00.000Z',
      '2027-04-30T21:00:00.000Z',
    ]);
    const leap = dueBetween(last, new Date('2028-02-01T00:00:00Z'), new Date('2028-03-01T00:00:00Z'));
    expect(leap.map(iso)).toEqual(['2028-02-29T21:00:00.000Z']);
    const fifteenth: Schedule = { cadence: 'monthly', dayOfMonth: 15, time: '07:00', timezone: sp };
    expect(iso(nextDue(fifteenth, new Date('2026-11-15T10:00:00Z')))).toBe('2026-12-15T10:00:00.000Z');
  });

  it('is strictly after: the instant itself is not next, the minute after it is', () => {
    const daily: Schedule = { cadence: 'daily', time: '08:00', timezone: sp };
    expect(iso(nextDue(daily, new Date('2026-11-23T11:00:00Z')))).toBe('2026-11-24T11:00:00.000Z');
    expect(iso(nextDue(daily, new Date('2026-11-23T10:59:59.999Z')))).toBe('2026-11-23T11:00:00.000Z');
  });

  it('keeps to the first and last date, inclusive', () => {
    const daily: Schedule = { cadence: 'daily', time: '08:00', timezone: sp };
    const dates = { startDate: '2026-12-01', endDate: '2026-12-03' };
    const sends = dueBetween(daily, new Date('2026-11-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'), dates);
    expect(sends.map(iso)).toEqual([
      '2026-12-01T11:00:00.000Z',
      '2026-12-02T11:00:00.000Z',
      '2026-12-03T11:00:00.000Z',
    ]);
    expect(nextDue(daily, new Date('2026-12-03T11:00:00Z'), dates)).toBeNull();
  });
});

describe('the period a send reports', () => {
  const at = (s: string) => new Date(s);
  it('daily: yesterday, in the subscription’s zone', () => {
    const daily: Schedule = { cadence: 'daily', time: '00:30', timezone: sp };
    expect(reportedPeriod(daily, at('2026-11-24T03:30:00Z'))).toEqual({ start: '2026-11-23', end: '2026-11-23' });
  });
  it('weekdays: Monday reports Friday to Sunday, Tuesday reports Monday', () => {
    const weekdays: Schedule = { cadence: 'weekdays', time: '08:00', timezone: sp };
    expect(reportedPeriod(weekdays, at('2026-11-23T11:00:00Z'))).toEqual({ start: '2026-11-20', end: '2026-11-22' });
    expect(reportedPeriod(weekdays, at('2026-11-24T11:00:00Z'))).toEqual({ start: '2026-11-23', end: '2026-11-23' });
  });
  it('weekly: the seven days ending yesterday (Monday → the previous Monday–Sunday)', () => {
    const monday: Schedule = { cadence: 'weekly', weekday: 1, time: '08:00', timezone: sp };
    expect(reportedPeriod(monday, at('2026-11-23T11:00:00Z'))).toEqual({ start: '2026-11-16', end: '2026-11-22' });
    const thursday: Schedule = { cadence: 'weekly', weekday: 4, time: '08:00', timezone: sp };
    expect(reportedPeriod(thursday, at('2026-11-26T11:00:00Z'))).toEqual({ start: '2026-11-19', end: '2026-11-25' });
  });
  it('monthly: the previous calendar month, whatever the day', () => {
    const last: Schedule = { cadence: 'monthly', dayOfMonth: 'last', time: '18:00', timezone: sp };
    expect(reportedPeriod(last, at('2026-11-30T21:00:00Z'))).toEqual({ start: '2026-10-01', end: '2026-10-31' });
  });
  it('a gap-shifted send reports the same day as its own date would', () => {
    const daily: Schedule = { cadence: 'daily', time: '02:30', timezone: ny };
    expect(reportedPeriod(daily, at('2026-03-08T07:00:00Z'))).toEqual({ start: '2026-03-07', end: '2026-03-07' });
  });
  it('finds the last send at or before an instant (POST …/run)', () => {
    const monday: Schedule = { cadence: 'weekly', weekday: 1, time: '08:00', timezone: sp };
    expect(iso(lastDueAtOrBefore(monday, at('2026-11-25T15:00:00Z')))).toBe('2026-11-23T11:00:00.000Z');
    expect(iso(lastDueAtOrBefore(monday, at('2026-11-23T11:00:00Z')))).toBe('2026-11-23T11:00:00.000Z');
  });
});
