import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../src/core/build-report.ts';
import { parseReportRequest, type RawReportRequest } from '../src/core/report-request.ts';
import type { ReportMetrics } from '../src/core/report.types.ts';
import { DuckDbEngine } from '../src/local/duckdb-engine.ts';
import { removeDir, tempDir, writeLake, type LakeFormat, type LakeRow, type LakeRows } from './support/lake-builder.ts';
import { contact, event, message, service } from './support/rows.ts';

// Period 2026-11-16 .. 2026-11-22 in São Paulo (UTC−3): [2026-11-16T03:00Z, 2026-11-23T03:00Z).
const T = 'acme';
const OLD = '2020-01-01T00:00:00Z';
const SNAPSHOT = '2026-11-23';

const contacts: LakeRow[] = [
  contact(T, SNAPSHOT, 'k1', '+5511987654321', OLD), // SP
  contact(T, SNAPSHOT, 'k2', '+55 (21) 98765-4321', OLD), // RJ
  contact(T, SNAPSHOT, 'k3', '5531987654321', OLD), // MG: 13 digits starting with 55
  contact(T, SNAPSHOT, 'k4', '553134567890', OLD), // MG: 12 digits starting with 55
  contact(T, SNAPSHOT, 'k5', '(41) 3456-7890', OLD), // PR: national landline
  contact(T, SNAPSHOT, 'k6', '51.98765.4321', OLD), // RS: national mobile with dots
  contact(T, SNAPSHOT, 'k7', '011987654321', OLD), // UNKNOWN: 12 digits with a trunk 0
  contact(T, SNAPSHOT, 'k8', '+1 415 555 0100', OLD), // FOREIGN
  contact(T, SNAPSHOT, 'k9', '+55 20 98765-4321', OLD), // UNKNOWN: DDD 20 is not Anatel's
  contact(T, SNAPSHOT, 'k10', null, OLD), // UNKNOWN
  contact(T, SNAPSHOT, 'k11', 'abc', OLD), // UNKNOWN
  contact(T, SNAPSHOT, 'k12', '', OLD), // UNKNOWN
  contact(T, SNAPSHOT, 'k13', '+5511987', OLD), // UNKNOWN: too short
  contact(T, SNAPSHOT, 'k14', '+351912345678', OLD), // FOREIGN
  contact(T, SNAPSHOT, 'k15', '5511987654321', '2026-11-23T03:00:00Z'), // created at the end instant: not yet
  contact(T, SNAPSHOT, 'k16', '11987654321', '2026-11-23T02:59:59Z'), // SP, created in the period's last second
  contact(T, SNAPSHOT, 'k17', '+5561987654321', OLD, '2026-11-23T03:00:00Z'), // DF, deleted at the end: still counted
  contact(T, SNAPSHOT, 'k18', '+5585987654321', OLD, '2026-11-23T02:59:59Z'), // deleted just before the end
  contact(T, SNAPSHOT, 'k19', '+5585987654321', OLD, '2026-11-10T00:00:00Z'), // deleted before the period
  contact(T, SNAPSHOT, 'k20', '+55 55 99999-8888', OLD), // RS: DDD 55
  contact(T, SNAPSHOT, 'k21', '55987654321', OLD), // RS: 11 national digits that start with 55
  contact(T, SNAPSHOT, 'k22', '+55 (48) 3333-4444', '2026-11-16T03:00:00Z'), // SC, created at the start instant
  // An older snapshot of the same tenant: never read.
  contact(T, '2026-11-20', 'ghost-1', '+5511999999999', OLD),
  contact(T, '2026-11-20', 'ghost-2', '+5511999999998', OLD),
  contact(T, '2026-11-20', 'k1', '+5511987654321', OLD),
];

const broadcastEvents: LakeRow[] = [
  event(T, 'c-a', 'SENT', '2026-11-16T02:59:59Z'), // Sunday 23:59:59 local: previous period
  event(T, 'c-a', 'DELIVERED', '2026-11-16T03:00:00Z', { event_id: 'dup-1' }), // Monday 00:00 local
  event(T, 'c-a', 'DELIVERED', '2026-11-16T03:00:00Z', { event_id: 'dup-1' }), // the same event delivered twice
  event(T, 'c-b', 'READ', '2026-11-17T12:00:00Z'), // SENT and DELIVERED lost
  event(T, 'c-c', 'REJECTED', '2026-11-17T12:00:00Z'),
  event(T, 'c-d', 'QUEUED', '2026-11-17T12:00:00Z'), // unknown status
  event(T, 'c-e', 'NOT_DELIVERED', '2026-11-17T12:00:00Z'),
  event(T, 'c-f', 'CLICKED', '2026-11-18T12:00:00Z'),
  event(T, 'c-g', 'REPLIED', '2026-11-18T12:00:00Z'),
  event(T, 'c-h', 'DELIVERED', '2026-11-23T02:59:59.999Z'), // the period's last millisecond
  event(T, 'c-i', 'DELIVERED', '2026-11-23T03:00:00Z'), // the end instant: outside
  event(T, 'c-j', 'DELIVERED', '2026-11-10T12:00:00Z'), // previous period
  event(T, 'c-k', 'SENT', '2026-11-19T12:00:00Z', { event_id: 'dup-2' }),
  event(T, 'c-k', 'SENT', '2026-11-19T12:00:00Z', { event_id: 'dup-2' }),
  event(T, 'c-l', 'SENT', '2026-11-21T02:30:00Z'), // local date 2026-11-20
  event(T, 'c-m', 'DELIVERED', '2026-11-01T02:30:00Z'), // local 2026-10-31: October
  { ...event(T, 'c-skip', 'DELIVERED', '2026-11-18T12:00:00Z'), message_id: null }, // required column missing
];

const services: LakeRow[] = [
  service(T, 'c-a', 'SALES', '2026-11-16T03:00:00Z'), // exactly at the first reach
  service(T, 'c-b', 'SALES', '2026-11-17T11:59:59Z'), // one second before the first reach
  service(T, 'c-f', 'SALES', '2026-11-19T11:59:59Z'), // reach + 23:59:59
  service(T, 'c-g', 'SALES', '2026-11-19T12:00:00Z'), // reach + 24h exactly
  service(T, 'c-h', 'SALES', '2026-11-23T03:30:00Z'), // after the period's end
  service(T, 'c-x', 'SALES', '2026-11-18T12:00:00Z', 's-x'), // never reached
  { ...service(T, 'c-x', 'SALES', '2026-11-18T12:00:00Z', 's-x'), closed_at: '2026-11-18T13:00:00Z' }, // updated on close
  service(T, 'c-j', 'SALES', '2026-11-16T12:00:00Z'), // reached only in the previous period
  service(T, 'c-w', 'SALES', '2026-11-16T02:59:59Z'), // previous period, local 2026-11-15
  service(T, 'c-y', 'SUPPORT', '2026-11-20T12:00:00Z'),
  service(T, 'c-y', 'SUPPORT', '2026-11-22T12:00:00Z'),
  service(T, 'c-z', 'SUPPORT', '2026-11-12T12:00:00Z'), // previous period
  service(T, 'c-n', 'SUPPORT', '2026-06-01T03:00:00Z'), // June 1st 00:00 local: the first month
  service(T, 'c-o', 'SALES', '2026-06-01T02:59:00Z'), // May 31st local: before the six months
  service(T, 'c-v', 'MARKETING', '2026-11-18T12:00:00Z'), // unknown module
];

const serviceMessages: LakeRow[] = [
  message(T, 'c-a', 'SALES', 'IN', '2026-11-16T03:00:00Z'), // Monday 00h local
  message(T, 'c-a', 'SALES', 'IN', '2026-11-22T23:30:00Z', 'sm-dup'), // Sunday 20h local
  message(T, 'c-a', 'SALES', 'IN', '2026-11-22T23:30:00Z', 'sm-dup'),
  message(T, 'c-a', 'SALES', 'OUT', '2026-11-18T15:00:00Z'),
  message(T, 'c-y', 'SUPPORT', 'IN', '2026-11-18T15:00:00Z'),
  message(T, 'c-a', 'SALES', 'IN', '2026-11-16T02:59:59Z'), // previous period
  message(T, 'c-a', 'SALES', 'IN', '2026-11-23T03:00:00Z'), // the end instant
  message(T, 'c-b', 'SALES', 'IN', '2026-11-18T15:10:00Z'), // Wednesday 12h local
];

/** Another tenant with the same ids, busier and with a newer snapshot: none of it may count. */
const O = 'other';
const otherTenant: LakeRows = {
  contacts: [
    contact(O, '2026-11-24', 'k1', '+5511987654321', OLD),
    contact(O, '2026-11-24', 'k99', '+5511987654322', OLD),
  ],
  broadcast_events: [
    event(O, 'c-a', 'REPLIED', '2026-11-17T12:00:00Z'),
    event(O, 'c-q', 'CLICKED', '2026-11-17T12:00:00Z'),
  ],
  services: [service(O, 'c-q', 'SALES', '2026-11-17T13:00:00Z'), service(O, 'c-a', 'SUPPORT', '2026-11-17T13:00:00Z')],
  service_messages: [message(O, 'c-q', 'SALES', 'IN', '2026-11-17T13:00:00Z')],
};

const lake: LakeRows = {
  contacts: [...contacts, ...otherTenant.contacts!],
  broadcast_events: [...broadcastEvents, ...otherTenant.broadcast_events!],
  services: [...services, ...otherTenant.services!],
  service_messages: [...serviceMessages, ...otherTenant.service_messages!],
};

const FORMATS: (LakeFormat | Record<string, LakeFormat>)[] = [
  'parquet',
  'ndjson',
  'ndjson.gz',
  { contacts: 'parquet', broadcast_events: 'ndjson.gz', services: 'ndjson', service_messages: 'parquet' },
];

describe.each(FORMATS.map((f) => [typeof f === 'string' ? f : 'mixed formats', f] as const))(
  'metrics on a %s lake',
  (_label, format) => {
    let dir: string;
    let report: (overrides?: Partial<RawReportRequest>) => Promise<ReportMetrics>;

    beforeAll(async () => {
      dir = await writeLake(tempDir(), lake, format);
      report = async (overrides = {}) => {
        const request = parseReportRequest({ tenantId: T, start: '2026-11-16', end: '2026-11-22', ...overrides });
        const engine = await DuckDbEngine.open({ lakeDir: dir }, request.tenantId);
        try {
          return await buildReport(request, engine, { now: () => new Date('2026-11-25T12:00:00Z') });
        } finally {
          await engine.close();
        }
      };
    });
    afterAll(() => removeDir(dir));

    it('contactBase counts the newest snapshot at the end and start instants, deletions included', async () => {
      const m = await report();
      expect(m.kpis.contactBase).toEqual({ value: 19, previous: 18 });
      expect(m.dataQuality.contactsSnapshot).toBe(SNAPSHOT);
    });

    it('reachedContacts counts DELIVERED-stage events inside each half-open period only', async () => {
      const m = await report();
      expect(m.kpis.reachedContacts).toEqual({ value: 5, previous: 1 });
    });

    it('the message funnel follows stage implication; REJECTED, unknown and invalid rows reach no stage', async () => {
      const m = await report();
      expect(m.messageFunnel).toEqual([
        { stage: 'SENT', contacts: 8 },
        { stage: 'DELIVERED', contacts: 5 },
        { stage: 'READ', contacts: 3 },
        { stage: 'CLICKED', contacts: 1 },
        { stage: 'REPLIED', contacts: 1 },
      ]);
    });

    it('contacts in sales and support count distinct contacts with a service opened in each period', async () => {
      const m = await report();
      expect(m.kpis.contactsInSales).toEqual({ value: 6, previous: 1 });
      expect(m.kpis.contactsInSupport).toEqual({ value: 1, previous: 1 });
      expect(m.serviceDistribution).toEqual({ sales: 6, support: 2 });
    });

    it('the journey funnel attributes a sale from the first reach up to, not including, N x 24 hours', async () => {
      expect((await report()).journeyFunnel).toEqual([
        { stage: 'REACHED', contacts: 5 },
        { stage: 'SALES', contacts: 3 },
      ]);
      expect((await report({ attributionDays: 1 })).journeyFunnel).toEqual([
        { stage: 'REACHED', contacts: 5 },
        { stage: 'SALES', contacts: 2 },
      ]);
    });

    it('contactsByMonth gives six local months, the last one cut at the period end', async () => {
      const m = await report();
      expect(m.contactsByMonth).toEqual([
        { month: '2026-06', broadcast: 0, sales: 0, support: 1, total: 1 },
        { month: '2026-07', broadcast: 0, sales: 0, support: 0, total: 0 },
        { month: '2026-08', broadcast: 0, sales: 0, support: 0, total: 0 },
        { month: '2026-09', broadcast: 0, sales: 0, support: 0, total: 0 },
        { month: '2026-10', broadcast: 1, sales: 0, support: 0, total: 1 },
        { month: '2026-11', broadcast: 6, sales: 7, support: 2, total: 10 },
      ]);
    });

    it('contactsByState classifies every phone form; 29 rows sorted by contacts then state', async () => {
      const m = await report();
      expect(m.contactsByState).toHaveLength(29);
      expect(m.contactsByState.slice(0, 10)).toEqual([
        { state: 'UNKNOWN', contacts: 6 },
        { state: 'RS', contacts: 3 },
        { state: 'FOREIGN', contacts: 2 },
        { state: 'MG', contacts: 2 },
        { state: 'SP', contacts: 2 },
        { state: 'DF', contacts: 1 },
        { state: 'PR', contacts: 1 },
        { state: 'RJ', contacts: 1 },
        { state: 'SC', contacts: 1 },
        { state: 'AC', contacts: 0 },
      ]);
      expect(m.contactsByState.reduce((sum, s) => sum + s.contacts, 0)).toBe(m.kpis.contactBase.value);
    });

    it('dailyVolume has every local date, messages on their SENT day and services on their opening day', async () => {
      const m = await report();
      expect(m.dailyVolume).toEqual([
        { date: '2026-11-16', broadcasts: 0, salesServices: 2, supportServices: 0 },
        { date: '2026-11-17', broadcasts: 0, salesServices: 1, supportServices: 0 },
        { date: '2026-11-18', broadcasts: 0, salesServices: 1, supportServices: 0 },
        { date: '2026-11-19', broadcasts: 1, salesServices: 2, supportServices: 0 },
        { date: '2026-11-20', broadcasts: 1, salesServices: 0, supportServices: 1 },
        { date: '2026-11-21', broadcasts: 0, salesServices: 0, supportServices: 0 },
        { date: '2026-11-22', broadcasts: 0, salesServices: 0, supportServices: 1 },
      ]);
    });

    it('salesHeatmap has 168 cells of inbound SALES messages by local ISO weekday and hour', async () => {
      const m = await report();
      expect(m.salesHeatmap).toHaveLength(168);
      expect(m.salesHeatmap[0]).toEqual({ weekday: 1, hour: 0, messages: 1 });
      expect(m.salesHeatmap.at(-1)).toEqual({ weekday: 7, hour: 23, messages: 0 });
      expect(m.salesHeatmap.filter((c) => c.messages > 0)).toEqual([
        { weekday: 1, hour: 0, messages: 1 },
        { weekday: 3, hour: 12, messages: 1 },
        { weekday: 7, hour: 20, messages: 1 },
      ]);
    });

    it('dataQuality counts skipped rows and unknown values', async () => {
      const m = await report();
      expect(m.dataQuality.tables.broadcast_events.rowsSkipped).toBe(1);
      expect(m.dataQuality.tables.contacts).toEqual({ rowsRead: 22, rowsSkipped: 0 });
      expect(m.dataQuality.unknownStatusEvents).toBe(1);
      expect(m.dataQuality.unknownModuleRows).toBe(1);
    });

    it('shifts every local bucket with the time zone (UTC here)', async () => {
      const m = await report({ timezone: 'UTC' });
      // The period is now [16th 00:00Z, 23rd 00:00Z): c-h's reach at 02:59:59.999Z on the 23rd falls outside.
      expect(m.kpis.reachedContacts.value).toBe(4);
      expect(m.dailyVolume.find((d) => d.date === '2026-11-21')?.broadcasts).toBe(1); // c-l at 02:30Z
      expect(m.salesHeatmap.find((c) => c.weekday === 1 && c.hour === 3)?.messages).toBe(1);
    });

    it('the other tenant sees only its own rows', async () => {
      const m = await report({ tenantId: O });
      expect(m.kpis.contactBase).toEqual({ value: 2, previous: 2 });
      expect(m.kpis.reachedContacts.value).toBe(2);
      expect(m.journeyFunnel).toEqual([
        { stage: 'REACHED', contacts: 2 },
        { stage: 'SALES', contacts: 1 },
      ]);
      expect(m.serviceDistribution).toEqual({ sales: 1, support: 1 });
    });
  },
);

async function reportOn(rows: LakeRows, format: LakeFormat, raw: Partial<RawReportRequest>): Promise<ReportMetrics> {
  const dir = await writeLake(tempDir(), rows, format);
  try {
    const request = parseReportRequest({ tenantId: T, ...raw });
    const engine = await DuckDbEngine.open({ lakeDir: dir }, T);
    try {
      return await buildReport(request, engine);
    } finally {
      await engine.close();
    }
  } finally {
    removeDir(dir);
  }
}

describe.each(['parquet', 'ndjson'] as const)('period boundaries with daylight saving (%s)', (format) => {
  it('a New York week across the November switch ends at local midnight EST, not EDT', async () => {
    const rows: LakeRows = {
      broadcast_events: [
        event(T, 'before', 'DELIVERED', '2026-10-26T03:59:59Z'), // Oct 25 23:59:59 EDT
        event(T, 'first', 'DELIVERED', '2026-10-26T04:00:00Z'), // Oct 26 00:00 EDT
        event(T, 'last', 'DELIVERED', '2026-11-02T04:30:00Z'), // Nov 1 23:30 EST
        event(T, 'after', 'DELIVERED', '2026-11-02T05:00:00Z'), // Nov 2 00:00 EST
      ],
      services: [
        service(T, 'first', 'SALES', '2026-11-01T05:30:00Z'), // 01:30 EDT, first pass of the repeated hour
        service(T, 'last', 'SALES', '2026-11-01T06:30:00Z'), // 01:30 EST, second pass
      ],
    };
    const m = await reportOn(rows, format, { timezone: 'America/New_York', start: '2026-10-26', end: '2026-11-01' });
    expect(m.kpis.reachedContacts).toEqual({ value: 2, previous: 1 });
    expect(m.dailyVolume.at(-1)).toEqual({ date: '2026-11-01', broadcasts: 0, salesServices: 2, supportServices: 0 });
    expect(m.contactsByMonth.at(-2)).toMatchObject({ month: '2026-10', broadcast: 2 });
    expect(m.contactsByMonth.at(-1)).toMatchObject({ month: '2026-11', broadcast: 1, sales: 2 });
  });

  it('a spring-forward day in New York has 23 hours and still counts by local hour', async () => {
    const rows: LakeRows = {
      service_messages: [
        message(T, 'x', 'SALES', 'IN', '2026-03-08T06:59:00Z'), // 01:59 EST
        message(T, 'x', 'SALES', 'IN', '2026-03-08T07:00:00Z'), // 03:00 EDT
      ],
    };
    const m = await reportOn(rows, format, { timezone: 'America/New_York', start: '2026-03-08', end: '2026-03-08' });
    const sunday = m.salesHeatmap.filter((c) => c.weekday === 7 && c.messages > 0);
    expect(sunday).toEqual([
      { weekday: 7, hour: 1, messages: 1 },
      { weekday: 7, hour: 3, messages: 1 },
    ]);
  });
});

describe('rows that cannot be parsed', () => {
  it('NDJSON: malformed lines, non-objects, bad timestamps and naive timestamps are skipped and counted', async () => {
    const ok = event(T, 'good', 'DELIVERED', '2026-11-17T12:00:00Z');
    const rows: LakeRows = {
      broadcast_events: [
        ok,
        { ...event(T, 'offset', 'DELIVERED', '2026-11-17T09:00:00-03:00'), dt: '2026-11-17' },
        { tenant_id: T, dt: '2026-11-17', __raw: '{"event_id": "e-broken", "contact_id": ' },
        { tenant_id: T, dt: '2026-11-17', __raw: '[1, 2, 3]' },
        { ...event(T, 'bad-time', 'DELIVERED', 'x'), occurred_at: 'yesterday', dt: '2026-11-17' },
        { ...event(T, 'naive', 'DELIVERED', 'x'), occurred_at: '2026-11-17T12:00:00', dt: '2026-11-17' },
      ],
      contacts: [
        contact(T, SNAPSHOT, 'k1', '+5511987654321', OLD),
        { ...contact(T, SNAPSHOT, 'k2', '+5511987654321', OLD), deleted_at: 'not a date' },
      ],
    };
    const m = await reportOn(rows, 'ndjson', { start: '2026-11-16', end: '2026-11-22' });
    expect(m.kpis.reachedContacts.value).toBe(2);
    expect(m.kpis.contactBase.value).toBe(1);
    expect(m.dataQuality.tables.broadcast_events).toEqual({ rowsRead: 6, rowsSkipped: 4 });
    expect(m.dataQuality.tables.contacts).toEqual({ rowsRead: 2, rowsSkipped: 1 });
  });

  it('Parquet: rows with a required column null are skipped and counted', async () => {
    const rows: LakeRows = {
      services: [
        service(T, 'good', 'SALES', '2026-11-17T12:00:00Z'),
        { ...service(T, 'no-id', 'SALES', '2026-11-17T12:00:00Z'), service_id: null },
        { ...service(T, null as unknown as string, 'SALES', '2026-11-17T12:00:00Z') },
      ],
    };
    const m = await reportOn(rows, 'parquet', { start: '2026-11-16', end: '2026-11-22' });
    expect(m.kpis.contactsInSales.value).toBe(1);
    expect(m.serviceDistribution.sales).toBe(1);
    expect(m.dataQuality.tables.services).toEqual({ rowsRead: 3, rowsSkipped: 2 });
  });

  it('a tenant with no contacts snapshot and no activity gets a report of zeros', async () => {
    const rows: LakeRows = { services: [service(T, 'old', 'SALES', '2025-01-01T12:00:00Z')] };
    const m = await reportOn(rows, 'parquet', { start: '2026-11-16', end: '2026-11-22' });
    expect(m.kpis.contactBase).toEqual({ value: 0, previous: 0 });
    expect(m.dataQuality.contactsSnapshot).toBeNull();
    expect(m.contactsByState.find((s) => s.state === 'AC')).toEqual({ state: 'AC', contacts: 0 });
    expect(m.salesHeatmap.every((c) => c.messages === 0)).toBe(true);
  });
});
