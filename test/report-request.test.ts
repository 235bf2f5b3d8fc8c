import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { lastCompleteWeek, parseReportRequest } from '../src/core/report-request.ts';
import { reportWindow } from '../src/core/report-window.ts';

const request = (overrides: Partial<Parameters<typeof parseReportRequest>[0]> = {}) =>
  parseReportRequest({ tenantId: 'acme', start: '2026-11-16', end: '2026-11-22', ...overrides });

describe('report request validation', () => {
  it.each([
    [{ tenantId: 'ACME' }, /invalid tenant id "ACME"/],
    [{ tenantId: '../other' }, /invalid tenant id/],
    [{ tenantId: "acme' or '1'='1" }, /invalid tenant id/],
    [{ tenantId: '' }, /invalid tenant id/],
    [{ tenantId: 'a'.repeat(64) }, /invalid tenant id/],
    [{ start: '2026-11-31' }, /invalid start \(--from\) date "2026-11-31"/],
    [{ end: '22/11/2026' }, /invalid end \(--to\) date "22\/11\/2026"/],
    [{ start: '2026-11-23' }, /starts \(2026-11-23\) after it ends \(2026-11-22\)/],
    [{ timezone: 'Mars/Olympus' }, /unknown time zone "Mars\/Olympus"/],
    [{ timezone: "America/Sao_Paulo'; drop table x" }, /unknown time zone/],
    [{ attributionDays: 0 }, /invalid attribution days 0/],
    [{ attributionDays: '7.5' }, /invalid attribution days "7.5"/],
    [{ attributionDays: 91 }, /invalid attribution days 91/],
    [{ start: '2025-01-01', end: '2026-11-22' }, /spans 691 days; at most 366/],
    [{ start: undefined }, /give both --from and --to/],
  ])('%j is refused with a message naming the problem', (overrides, message) => {
    expect(() => request(overrides)).toThrow(InputError);
    expect(() => request(overrides)).toThrow(message);
  });

  it('takes the limits themselves: 366 days, 90 attribution days; 367 days are refused', () => {
    expect(request({ start: '2025-11-22', end: '2026-11-22' })).toMatchObject({ start: '2025-11-22' });
    expect(request({ attributionDays: 90 }).attributionDays).toBe(90);
    expect(() => request({ start: '2025-11-21', end: '2026-11-22' })).toThrow(/spans 367 days; at most 366/);
  });

  it('accepts the longest tenant id and a one-day period', () => {
    const r = request({ tenantId: `a${'-'.repeat(62)}`, start: '2026-11-22' });
    expect(r).toMatchObject({
      start: '2026-11-22',
      end: '2026-11-22',
      timezone: 'America/Sao_Paulo',
      attributionDays: 7,
    });
  });

  it('defaults to the last complete Monday–Sunday week in the tenant time zone', () => {
    // Monday 2026-11-23 01:00 UTC is still Sunday 22:00 in São Paulo: the last complete week ends a week earlier.
    const now = new Date('2026-11-23T01:00:00Z');
    expect(lastCompleteWeek(now, 'America/Sao_Paulo')).toEqual({ start: '2026-11-09', end: '2026-11-15' });
    expect(lastCompleteWeek(now, 'Asia/Tokyo')).toEqual({ start: '2026-11-16', end: '2026-11-22' });
    expect(parseReportRequest({ tenantId: 'acme' }, now)).toMatchObject({ start: '2026-11-09', end: '2026-11-15' });
  });
});

describe('report window', () => {
  it('bounds a São Paulo week by local midnights (UTC−3) and reads one extra UTC date each side', () => {
    const w = reportWindow(request(), '2026-11-23');
    expect(w.params).toMatchObject({
      period_start_at: '2026-11-16T03:00:00.000Z',
      period_end_at: '2026-11-23T03:00:00.000Z',
      previous_start_at: '2026-11-09T03:00:00.000Z',
      months_start_at: '2026-06-01T03:00:00.000Z',
      period_dt_from: '2026-11-15',
      previous_dt_from: '2026-11-08',
      months_dt_from: '2026-05-31',
      first_dt: '2026-05-31',
      dt_to: '2026-11-23',
      snapshot_dt: '2026-11-23',
      attribution_hours: 168,
    });
    expect(w.previous).toEqual({ start: '2026-11-09', end: '2026-11-15' });
    expect(w.months).toEqual(['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    expect(w.days).toHaveLength(7);
  });

  it('follows daylight saving: a New York week across the November switch lasts 7 days and 1 hour', () => {
    const w = reportWindow(request({ timezone: 'America/New_York', start: '2026-10-26', end: '2026-11-01' }), null);
    expect(w.params.period_start_at).toBe('2026-10-26T04:00:00.000Z'); // EDT, UTC−4
    expect(w.params.period_end_at).toBe('2026-11-02T05:00:00.000Z'); // EST, UTC−5
    expect(w.params.snapshot_dt).toBe('');
  });

  it('starts a day at its first instant when local midnight does not exist (old Brazilian DST)', () => {
    const w = reportWindow(request({ start: '2018-11-04', end: '2018-11-04' }), null);
    expect(w.params.period_start_at).toBe('2018-11-04T03:00:00.000Z'); // 01:00 −02:00
  });

  it('reaches back before six months when the previous period is longer', () => {
    const w = reportWindow(request({ start: '2026-01-01', end: '2026-11-22' }), null);
    expect(w.previous).toEqual({ start: '2025-02-09', end: '2025-12-31' });
    expect(w.params.first_dt).toBe('2025-02-08');
  });
});
