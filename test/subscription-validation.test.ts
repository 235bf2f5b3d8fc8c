import { describe, expect, it } from 'vitest';
import {
  parseNewSubscription,
  parseSubscriptionPatch,
  SubscriptionValidationError,
} from '../src/core/subscriptions/subscription.ts';

const valid = {
  schedule: { cadence: 'monthly', dayOfMonth: 1, time: '09:15', timezone: 'America/New_York' },
  locale: 'en',
  recipients: ['growth@globex.example.com'],
};

function problem(input: unknown): { field: string; message: string } {
  try {
    parseNewSubscription(input);
  } catch (error) {
    if (error instanceof SubscriptionValidationError) return { field: error.field, message: error.problem };
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('subscription validation names the field', () => {
  it.each([
    [
      'a bad zone',
      { ...valid, schedule: { ...valid.schedule, timezone: 'Mars/Base' } },
      'schedule.timezone',
      /unknown time zone "Mars\/Base"/,
    ],
    [
      'day 29',
      { ...valid, schedule: { ...valid.schedule, dayOfMonth: 29 } },
      'schedule.dayOfMonth',
      /1 to 28, or "last"/,
    ],
    ['day 31', { ...valid, schedule: { ...valid.schedule, dayOfMonth: 31 } }, 'schedule.dayOfMonth', /1 to 28/],
    [
      'time 24:00',
      { ...valid, schedule: { ...valid.schedule, time: '24:00' } },
      'schedule.time',
      /HH:MM \(00:00-23:59\)/,
    ],
    ['time 8:00', { ...valid, schedule: { ...valid.schedule, time: '8:00' } }, 'schedule.time', /HH:MM/],
    [
      'an unknown cadence',
      { ...valid, schedule: { cadence: 'hourly', time: '08:00', timezone: 'UTC' } },
      'schedule.cadence',
      /daily, weekdays, weekly, monthly/,
    ],
    [
      'weekly without a weekday',
      { ...valid, schedule: { cadence: 'weekly', time: '08:00', timezone: 'UTC' } },
      'schedule.weekday',
      /ISO weekday/,
    ],
    [
      'weekday 0',
      { ...valid, schedule: { cadence: 'weekly', weekday: 0, time: '08:00', timezone: 'UTC' } },
      'schedule.weekday',
      /1 \(Monday\) to 7 \(Sunday\)/,
    ],
    [
      'a weekday on a daily schedule',
      { ...valid, schedule: { cadence: 'daily', weekday: 2, time: '08:00', timezone: 'UTC' } },
      'schedule.weekday',
      /unknown field/,
    ],
    [
      '51 recipients',
      { ...valid, recipients: Array.from({ length: 51 }, (_, i) => `r${i}@x.example.com`) },
      'recipients',
      /at most 50/,
    ],
    ['no recipients', { ...valid, recipients: [] }, 'recipients', /at least one/],
    [
      'a bad email',
      { ...valid, recipients: ['ok@x.example.com', 'not-an-email'] },
      'recipients.1',
      /invalid email address "not-an-email"/,
    ],
    [
      'a duplicate email',
      { ...valid, recipients: ['a@x.example.com', 'A@x.example.com'] },
      'recipients.1',
      /duplicate of recipients.0/,
    ],
    ['an unknown field', { ...valid, colour: 'blue' }, 'colour', /unknown field/],
    ['an unknown locale', { ...valid, locale: 'fr' }, 'locale', /pt-BR, en/],
    ['a bad id', { ...valid, id: 'Acme Weekly' }, 'id', /lowercase letters/],
    ['a bad start date', { ...valid, startDate: '2026-02-30' }, 'startDate', /YYYY-MM-DD/],
    [
      'an end before the start',
      { ...valid, startDate: '2026-12-10', endDate: '2026-12-01' },
      'endDate',
      /before the first/,
    ],
    ['an empty name', { ...valid, name: '  ' }, 'name', /at least one character/],
    ['a missing schedule', { locale: 'en', recipients: ['a@x.example.com'] }, 'schedule', /.+/],
    ['not an object', ['a'], 'body', /JSON object/],
  ])('%s', (_what, input, field, message) => {
    const found = problem(input);
    expect(found.field).toBe(field);
    expect(found.message).toMatch(message);
  });

  it('accepts each cadence, trims and lower-cases addresses', () => {
    for (const schedule of [
      { cadence: 'daily', time: '00:00', timezone: 'America/Sao_Paulo' },
      { cadence: 'weekdays', time: '23:59', timezone: 'America/Sao_Paulo' },
      { cadence: 'weekly', weekday: 7, time: '08:00', timezone: 'America/Manaus' },
      { cadence: 'monthly', dayOfMonth: 'last', time: '08:00', timezone: 'Europe/Lisbon' },
      { cadence: 'monthly', dayOfMonth: 28, time: '08:00', timezone: 'UTC' },
    ]) {
      expect(parseNewSubscription({ ...valid, schedule }).schedule).toEqual(schedule);
    }
    expect(parseNewSubscription({ ...valid, recipients: [' Ops@Acme.Example.COM'] }).recipients).toEqual([
      'ops@acme.example.com',
    ]);
  });

  it('patches name the field too, and null clears an optional one', () => {
    expect(() => parseSubscriptionPatch({ paused: true })).toThrow(/paused: unknown field/);
    expect(() => parseSubscriptionPatch({ version: 3 })).toThrow(/version: unknown field/);
    expect(parseSubscriptionPatch({ endDate: null, name: null })).toEqual({ endDate: null, name: null });
  });
});
