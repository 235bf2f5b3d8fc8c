/**
 * Differential test: the SQL of queries/ (run by DuckDB over a lake on disk) against an independent
 * reference implementation of metrics.md (test/support/reference-metrics.ts) over the same rows.
 * A seeded generator writes adversarial rows for three tenants around the boundaries of every case's
 * period, in each time zone; each case must come out identical, on Parquet, NDJSON and mixed lakes.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../src/core/build-report.ts';
import { parseReportRequest } from '../src/core/report-request.ts';
import type { TableName } from '../src/core/report.types.ts';
import { DuckDbEngine } from '../src/local/duckdb-engine.ts';
import { removeDir, tempDir, writeLake, type LakeFormat, type LakeRow, type LakeRows } from './support/lake-builder.ts';
import { referenceMetrics, stateOfPhone, type ReferenceMetrics } from './support/reference-metrics.ts';

// ---------------------------------------------------------------------------------------------------------------
// Cases: time zones (with DST switches and the extreme offsets), period lengths 1/7/30, attribution 1/7.

interface Case {
  zone: string;
  start: string;
  end: string;
  attributionDays: number;
}

const CASES: Case[] = [
  { zone: 'America/Sao_Paulo', start: '2026-11-16', end: '2026-11-22', attributionDays: 7 },
  { zone: 'America/Sao_Paulo', start: '2026-11-01', end: '2026-11-30', attributionDays: 1 },
  { zone: 'America/Sao_Paulo', start: '2026-03-30', end: '2026-04-05', attributionDays: 7 },
  { zone: 'America/New_York', start: '2026-03-08', end: '2026-03-08', attributionDays: 1 }, // spring forward: 23 h day
  { zone: 'America/New_York', start: '2026-11-01', end: '2026-11-07', attributionDays: 7 }, // fall back on the first day
  { zone: 'America/New_York', start: '2026-10-26', end: '2026-11-01', attributionDays: 1 }, // fall back on the last day
  { zone: 'America/New_York', start: '2026-02-22', end: '2026-03-23', attributionDays: 7 }, // 30 days across DST
  { zone: 'Asia/Kolkata', start: '2026-03-02', end: '2026-03-31', attributionDays: 1 },
  { zone: 'Asia/Kolkata', start: '2026-11-16', end: '2026-11-16', attributionDays: 7 },
  { zone: 'Pacific/Kiritimati', start: '2026-11-16', end: '2026-11-16', attributionDays: 7 }, // UTC+14
  { zone: 'Pacific/Kiritimati', start: '2026-10-28', end: '2026-11-26', attributionDays: 1 },
  { zone: 'Pacific/Pago_Pago', start: '2026-03-02', end: '2026-03-08', attributionDays: 7 }, // UTC-11
  { zone: 'Pacific/Pago_Pago', start: '2026-11-01', end: '2026-11-01', attributionDays: 1 },
];

const TENANTS = ['acme', 'acme-br', 'zeta_9'] as const;
const SEED = 0x5eed_2026;

// ---------------------------------------------------------------------------------------------------------------
// A tiny seeded PRNG (mulberry32) and helpers.

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
  return { next, int, pick, chance, digits };
}
type Rng = ReturnType<typeof prng>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An instant as a contract timestamp, in a random but equivalent textual form (Z or an offset, with or without ms). */
function iso(rng: Rng, ms: number): string {
  const offset = rng.pick([0, 0, -180, 330, 840, -660, -300, 345, -240]);
  const useZ = offset === 0 && rng.chance(0.7);
  const shifted = new Date(ms + offset * MINUTE).toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ, wall time at the offset
  const withMs = ms % 1000 !== 0 || rng.chance(0.3);
  const wall = shifted.slice(0, withMs ? 23 : 19);
  if (useZ) return `${wall}Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------------------------
// Boundaries every case depends on: local midnights of its period, previous period, days and six months.

const midnight = (date: string, zone: string) => DateTime.fromISO(date, { zone }).startOf('day').toMillis();

interface Bounds {
  start: number;
  end: number;
}

function caseBounds(c: Case): Bounds {
  return { start: midnight(c.start, c.zone), end: DateTime.fromISO(c.end, { zone: c.zone }).plus({ days: 1 }).startOf('day').toMillis() };
}

function anchorsOf(c: Case): number[] {
  const startDay = DateTime.fromISO(c.start, { zone: c.zone });
  const endDay = DateTime.fromISO(c.end, { zone: c.zone });
  const length = Math.round(endDay.diff(startDay, 'days').days) + 1;
  const anchors = [startDay.minus({ days: length }), startDay, endDay.plus({ days: 1 })];
  for (let i = 1; i < length; i += length > 7 ? 10 : 2) anchors.push(startDay.plus({ days: i }));
  const lastMonth = endDay.startOf('month');
  for (let back = 0; back <= 6; back++) anchors.push(lastMonth.minus({ months: back }));
  return anchors.map((d) => d.startOf('day').toMillis());
}

/** The DST switches of New York in 2026 (02:00 local), where local hours are skipped or repeated. */
const DST_SWITCHES = [Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6)];

const ANCHORS = [...new Set([...CASES.flatMap(anchorsOf), ...DST_SWITCHES])].sort((a, b) => a - b);

const JITTER = [
  0, 0, 0, 1, -1, 1000, -1000, MINUTE, -MINUTE, 30 * MINUTE, -30 * MINUTE, HOUR, -HOUR, 3 * HOUR, -3 * HOUR, 5.5 * HOUR,
  -5.5 * HOUR, 11 * HOUR, -11 * HOUR, 14 * HOUR, -14 * HOUR, DAY - 1, -DAY + 1, 23.5 * HOUR, -23.5 * HOUR,
];

const nearAnchor = (rng: Rng) => {
  const anchor = rng.pick(ANCHORS);
  return rng.chance(0.75) ? anchor + rng.pick(JITTER) : anchor + Math.round((rng.next() - 0.5) * 3 * DAY);
};

// ---------------------------------------------------------------------------------------------------------------
// Phones in every form metrics.md §8 distinguishes.

const VALID_DDD = (
  '11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 51 53 54 55 61 62 64 63 ' +
  '65 66 67 68 69 71 73 74 75 77 79 81 87 82 83 84 85 88 86 89 91 93 94 92 97 95 96 98 99'
).split(' ');
const INVALID_DDD = '00 01 10 20 23 25 26 29 30 36 39 40 50 52 56 57 58 59 60 70 72 76 78 80 90'.split(' ');

function phone(rng: Rng): string | null {
  const ddd = rng.chance(0.8) ? rng.pick(VALID_DDD) : rng.pick(INVALID_DDD);
  const subscriber = rng.chance(0.6) ? `9${rng.digits(8)}` : rng.digits(8);
  const half = subscriber.length - 4;
  const forms: (() => string | null)[] = [
    () => `+55${ddd}${subscriber}`,
    () => `+55${ddd}${subscriber}`,
    () => `+55 (${ddd}) ${subscriber.slice(0, half)}-${subscriber.slice(half)}`,
    () => `+55 ${ddd} ${subscriber}`,
    () => `+ 55.${ddd}.${subscriber}`,
    () => `55${ddd}${subscriber}`, // 12 or 13 digits with the country code
    () => `55 (${ddd}) ${subscriber.slice(0, half)}-${subscriber.slice(half)}`,
    () => `${ddd}${subscriber}`, // national, 10 or 11 digits
    () => `(${ddd}) ${subscriber.slice(0, half)}-${subscriber.slice(half)}`,
    () => `${ddd} ${subscriber}`,
    () => `55${subscriber}`, // national with DDD 55 (RS), 10 or 11 digits: not a country code
    () => `0${ddd}${subscriber}`, // trunk prefix
    () => `0 (${ddd}) ${subscriber}`,
    () => `015${ddd}${subscriber}`, // carrier selection
    () => rng.pick(['+1 212 555 0100', '+44 20 7946 0958', '+54 11 1234-5678', '+351912345678', '+5411987654321']),
    () => `+55${ddd}${subscriber.slice(0, 7)}`, // too short
    () => `+55${ddd}${subscriber}0`, // too long (12 digits after +55 for 9-digit subscribers)
    () => `${ddd}${subscriber.slice(0, 6)}`,
    () => `5555${ddd}${subscriber}`, // 14 or 15 digits
    () => rng.pick(['1234', '+55', '+', '55', '', '   ', '()-.', 'n/a', `+55 ${ddd} 9876-ABCD`, `${ddd}${subscriber} ext 2`]),
    () => null,
    () => null,
  ];
  return rng.pick(forms)();
}

// ---------------------------------------------------------------------------------------------------------------
// The generator.

interface Generated {
  rows: Required<LakeRows>;
  /** Rows only NDJSON can hold (malformed lines, unparseable timestamp text): dropped from Parquet tables. */
  ndjsonOnly: Set<LakeRow>;
}

const STATUSES_IN_ORDER = ['SENT', 'DELIVERED', 'READ', 'CLICKED', 'REPLIED'];
const REACHING = new Set(['DELIVERED', 'READ', 'CLICKED', 'REPLIED']);
const UNKNOWN_STATUSES = ['QUEUED', 'delivered', 'read', 'OPENED', 'FAILED', 'SENT '];
const CHANNELS = ['WHATSAPP', 'SMS', 'EMAIL', 'RCS'];
const BAD_TIMESTAMPS = ['not-a-date', '2026-11-16 10:00:00', '2026-11-16T10:00:00', '2026-02-30T10:00:00Z', '', '1700000000'];
const SNAPSHOTS: Record<string, string[]> = { acme: ['2026-11-20', '2026-12-03'], 'acme-br': ['2026-03-01', '2026-11-25'], zeta_9: [] };

function generate(seed: number): Generated {
  const rows = { contacts: [], broadcast_events: [], services: [], service_messages: [] } as Required<LakeRows>;
  const ndjsonOnly = new Set<LakeRow>();
  const rng = prng(seed);
  let serial = 0;
  const id = (prefix: string) => `${prefix}${++serial}`;

  /** Pushes a row; sometimes nulls one required column (the row must then be skipped). */
  const push = (table: TableName, row: LakeRow, required: string[], timestampColumn: string, at: number) => {
    if (rng.chance(0.04)) {
      const column = rng.pick(required);
      row = { ...row, [column]: null };
      if (column === timestampColumn) row.dt = utcDate(at);
    }
    rows[table].push(row);
    return row;
  };
  const pushNdjsonOnly = (table: TableName, row: LakeRow) => {
    rows[table].push(row);
    ndjsonOnly.add(row);
  };

  for (const tenant of TENANTS) {
    const pool = Array.from({ length: 90 }, () => `c${1 + rng.int(150)}`).filter((v, i, all) => all.indexOf(v) === i);

    // broadcast_events: messages with stage progressions, lost events, duplicates, rejected and unknown statuses.
    const reachingEvents: { contact: string; at: number }[] = [];
    const usedMessages = new Set<string>();
    const pushEvent = (contact: string, broadcast: string, message: string, status: string, at: number) => {
      const row: LakeRow = {
        tenant_id: tenant,
        event_id: id('e'),
        broadcast_id: broadcast,
        message_id: message,
        contact_id: contact,
        channel: rng.pick(CHANNELS),
        status,
        occurred_at: iso(rng, at),
      };
      const pushed = push('broadcast_events', row, ['event_id', 'broadcast_id', 'message_id', 'contact_id', 'channel', 'status', 'occurred_at'], 'occurred_at', at);
      if (pushed === row && REACHING.has(status)) reachingEvents.push({ contact, at });
      for (let copies = rng.chance(0.15) ? 1 + rng.int(2) : 0; copies > 0; copies--) {
        rows.broadcast_events.push({ ...row, occurred_at: iso(rng, at) }); // the same event, delivered again
      }
      if (rng.chance(0.02)) {
        pushNdjsonOnly('broadcast_events', { ...row, event_id: id('bad'), occurred_at: rng.pick(BAD_TIMESTAMPS), dt: utcDate(at) });
      }
    };
    for (let i = 0; i < 450; i++) {
      let broadcast: string;
      let message: string;
      do {
        broadcast = `b${rng.int(8)}`;
        message = `m${rng.int(120)}`; // the same message id in several broadcasts
      } while (usedMessages.has(`${broadcast}/${message}`));
      usedMessages.add(`${broadcast}/${message}`);
      const contact = rng.pick(pool);
      const fate = rng.next();
      let statuses: string[];
      if (fate < 0.55) {
        const top = 1 + rng.int(STATUSES_IN_ORDER.length);
        statuses = STATUSES_IN_ORDER.slice(0, top).filter((_, k) => k === top - 1 || !rng.chance(0.25)); // lost events
      } else if (fate < 0.65) statuses = ['SENT', 'NOT_DELIVERED'];
      else if (fate < 0.73) statuses = rng.chance(0.5) ? ['REJECTED'] : ['SENT', 'REJECTED'];
      else if (fate < 0.83) statuses = [rng.pick(UNKNOWN_STATUSES)];
      else if (fate < 0.93) statuses = [rng.pick(['READ', 'CLICKED', 'REPLIED'])]; // READ without DELIVERED
      else statuses = ['SENT', 'SENT', 'DELIVERED']; // SENT twice (retry), at different instants
      let at = nearAnchor(rng);
      for (const status of statuses) {
        pushEvent(contact, broadcast, message, status, at);
        at += rng.pick([0, 1, 1000, 5 * MINUTE, HOUR, 6 * HOUR, 20 * HOUR, 30 * HOUR]);
      }
    }

    // services and their messages.
    const pushService = (contact: string, module: string, at: number): string => {
      const serviceId = id('s');
      const row: LakeRow = {
        tenant_id: tenant,
        service_id: serviceId,
        contact_id: contact,
        module,
        channel: rng.pick(CHANNELS),
        opened_at: iso(rng, at),
        closed_at: rng.chance(0.5) ? null : iso(rng, at + rng.pick([MINUTE, HOUR, 2 * DAY])),
      };
      push('services', row, ['service_id', 'contact_id', 'module', 'channel', 'opened_at'], 'opened_at', at);
      if (rng.chance(0.15)) rows.services.push({ ...row, opened_at: iso(rng, at) }); // re-delivered
      if (rng.chance(0.15)) rows.services.push({ ...row, closed_at: iso(rng, at + 3 * HOUR) }); // updated when closed
      if (rng.chance(0.02)) {
        pushNdjsonOnly('services', { ...row, service_id: id('bad'), opened_at: rng.pick(BAD_TIMESTAMPS), dt: utcDate(at) });
      }
      for (let n = rng.int(4); n > 0; n--) pushServiceMessage(serviceId, contact, module, at + rng.pick([0, MINUTE, HOUR, 5 * HOUR, 23 * HOUR, 30 * HOUR]));
      return serviceId;
    };
    const pushServiceMessage = (serviceId: string, contact: string, module: string, at: number) => {
      const row: LakeRow = {
        tenant_id: tenant,
        message_id: id('sm'),
        service_id: serviceId,
        contact_id: contact,
        module,
        direction: rng.pick(['IN', 'IN', 'IN', 'OUT', 'OUT', 'in', 'INBOUND']),
        sent_at: iso(rng, at),
      };
      push('service_messages', row, ['message_id', 'service_id', 'contact_id', 'module', 'direction', 'sent_at'], 'sent_at', at);
      if (rng.chance(0.2)) rows.service_messages.push({ ...row, sent_at: iso(rng, at) }); // re-delivered
      if (rng.chance(0.02)) {
        pushNdjsonOnly('service_messages', { ...row, message_id: id('bad'), sent_at: rng.pick(BAD_TIMESTAMPS), dt: utcDate(at) });
      }
    };
    const MODULES = ['SALES', 'SALES', 'SALES', 'SUPPORT', 'SUPPORT', 'MARKETING', 'sales'];
    for (let i = 0; i < 220; i++) pushService(rng.pick(pool), rng.pick(MODULES), nearAnchor(rng));
    // SALES services of reached contacts, exactly at and around their reaching events and the attribution limits.
    const deltas = [0, 0, -1, 1, -1000, DAY, DAY - 1, DAY + 1, 7 * DAY, 7 * DAY - 1, 7 * DAY + 1, 3 * HOUR, 2 * DAY, 6 * DAY];
    for (const event of reachingEvents) {
      if (rng.chance(0.3)) pushService(event.contact, rng.chance(0.85) ? 'SALES' : 'SUPPORT', event.at + rng.pick(deltas));
    }
    // Per case: journeys whose first reach of the period sits at its edges, with services at the exact limits.
    CASES.forEach((c, k) => {
      const { start, end } = caseBounds(c);
      const window = c.attributionDays * DAY;
      for (let j = 0; j < 5; j++) {
        const contact = `j${k}-${j}`;
        const first = rng.pick([start, start + 1, start + HOUR, end - 1, end - HOUR, end - window, end - window - 1, start + 3 * HOUR]);
        if (rng.chance(0.5)) pushEvent(contact, 'bj', id('mj'), 'DELIVERED', start - rng.pick([1, HOUR, DAY])); // reached before the period
        if (rng.chance(0.5)) pushEvent(contact, 'bj', id('mj'), 'SENT', first - rng.pick([0, 1, HOUR])); // not reaching
        pushEvent(contact, 'bj', id('mj'), rng.pick(['DELIVERED', 'READ', 'REPLIED']), first);
        if (rng.chance(0.5)) pushEvent(contact, 'bj', id('mj'), 'READ', first + rng.pick([0, 1, HOUR, window]));
        const limits = [0, -1, 1, window, window - 1, window + 1, end - first, end - first - 1, -HOUR];
        for (let n = 1 + rng.int(3); n > 0; n--) pushService(contact, rng.chance(0.85) ? 'SALES' : 'SUPPORT', first + rng.pick(limits));
      }
    });
    // SALES messages in every local hour, around the anchors and the DST switches.
    for (let i = 0; i < 200; i++) {
      const at = i < 40 ? rng.pick(DST_SWITCHES) + (rng.int(12) - 6) * 30 * MINUTE + rng.pick([0, -1, 1]) : nearAnchor(rng);
      pushServiceMessage(id('sx'), rng.pick(pool), rng.chance(0.9) ? 'SALES' : 'SUPPORT', at);
    }

    // contacts: two snapshots with different contents; only the newest counts.
    const [older, newest] = SNAPSHOTS[tenant]!;
    if (older && newest) {
      for (const contact of [...pool.filter(() => rng.chance(0.8)), ...Array.from({ length: 12 }, (_, n) => `old${n}`)]) {
        rows.contacts.push({ tenant_id: tenant, dt: older, contact_id: contact, phone: phone(rng), created_at: '2024-01-01T00:00:00Z', deleted_at: null });
      }
      const boundaries = CASES.flatMap((c) => Object.values(caseBounds(c)));
      const instant = () => (rng.chance(0.4) ? rng.pick(boundaries) + rng.pick([0, 0, -1, 1]) : nearAnchor(rng));
      for (const contact of pool) {
        const createdAt = rng.chance(0.3) ? Date.UTC(2025, 0, 1) + rng.int(300) * DAY : instant();
        const deletedAt = rng.chance(0.5) ? null : instant();
        const row: LakeRow = {
          tenant_id: tenant,
          dt: newest,
          contact_id: contact,
          phone: phone(rng),
          created_at: iso(rng, createdAt),
          deleted_at: deletedAt === null ? null : iso(rng, deletedAt),
        };
        push('contacts', row, ['contact_id', 'created_at'], '', createdAt);
      }
      for (let n = 0; n < 4; n++) {
        const bad = rng.chance(0.5)
          ? { created_at: rng.pick(BAD_TIMESTAMPS), deleted_at: null }
          : { created_at: '2025-01-01T00:00:00Z', deleted_at: rng.pick(BAD_TIMESTAMPS) };
        pushNdjsonOnly('contacts', { tenant_id: tenant, dt: newest, contact_id: `bad-contact${n}`, phone: '+5511987654321', ...bad });
      }
    }

    // Lines that are not a JSON object at all.
    const day = utcDate(midnight('2026-11-16', 'UTC'));
    pushNdjsonOnly('broadcast_events', { tenant_id: tenant, dt: day, __raw: '{"event_id": "x", "status": "DELIVERED", "contact_id": "c1"' });
    pushNdjsonOnly('broadcast_events', { tenant_id: tenant, dt: day, __raw: '["DELIVERED"]' });
    pushNdjsonOnly('services', { tenant_id: tenant, dt: day, __raw: '"SALES"' });
    pushNdjsonOnly('service_messages', { tenant_id: tenant, dt: day, __raw: '{"message_id": "sm-raw", ' });
  }
  return { rows, ndjsonOnly };
}

/** The rows a lake in `format` holds: NDJSON-only rows are dropped from the tables written as Parquet. */
function rowsFor(generated: Generated, format: LakeFormat | Partial<Record<TableName, LakeFormat>>): LakeRows {
  const formatOf = (table: TableName) => (typeof format === 'string' ? format : (format[table] ?? 'parquet'));
  return Object.fromEntries(
    (Object.entries(generated.rows) as [TableName, LakeRow[]][]).map(([table, tableRows]) => [
      table,
      formatOf(table) === 'parquet' ? tableRows.filter((r) => !generated.ndjsonOnly.has(r)) : tableRows,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------------------------

const GENERATED = generate(SEED);
const requestOf = (c: Case, tenantId: string) =>
  parseReportRequest({ tenantId, timezone: c.zone, start: c.start, end: c.end, attributionDays: c.attributionDays });
const RUNS = CASES.flatMap((c) => TENANTS.map((tenant) => ({ ...c, tenant, name: `${tenant} ${c.zone} ${c.start}..${c.end} attribution ${c.attributionDays}` })));

describe('the reference implementation', () => {
  it('reads phones as metrics.md §8 says', () => {
    const cases: [string | null, string][] = [
      ['+5511987654321', 'SP'],
      ['+55 (21) 98765-4321', 'RJ'],
      ['+55.61.3333.4444', 'DF'],
      ['5511987654321', 'SP'],
      ['551133334444', 'SP'],
      ['5587987654321', 'PE'],
      ['11987654321', 'SP'],
      ['(99) 3333-4444', 'MA'],
      ['5533334444', 'RS'], // national, DDD 55
      ['55987654321', 'RS'],
      ['011987654321', 'UNKNOWN'], // trunk 0
      ['01133334444', 'UNKNOWN'],
      ['+1 212 555 0100', 'FOREIGN'],
      ['+54 11 1234-5678', 'FOREIGN'],
      ['+552033334444', 'UNKNOWN'], // DDD 20 is not Anatel's
      ['+5511', 'UNKNOWN'],
      ['+55119876543210', 'UNKNOWN'],
      ['1234', 'UNKNOWN'],
      ['+55 11 9876-ABCD', 'UNKNOWN'],
      ['', 'UNKNOWN'],
      ['   ', 'UNKNOWN'],
      [null, 'UNKNOWN'],
    ];
    for (const [input, state] of cases) expect(stateOfPhone(input), String(input)).toBe(state);
  });

  it('exercises every metric with non-trivial data', () => {
    const reports = RUNS.map((r) => referenceMetrics(GENERATED.rows, requestOf(r, r.tenant)));
    const some = (f: (m: ReferenceMetrics) => boolean) => reports.some(f);
    expect(some((m) => m.kpis.contactBase.value > 0 && m.kpis.contactBase.previous > 0)).toBe(true);
    expect(some((m) => m.kpis.contactBase.value !== m.kpis.contactBase.previous)).toBe(true);
    expect(some((m) => m.kpis.reachedContacts.previous > 0 && m.kpis.contactsInSales.previous > 0 && m.kpis.contactsInSupport.previous > 0)).toBe(true);
    expect(some((m) => m.messageFunnel.every((s) => s.contacts > 0))).toBe(true);
    const [reached, sales] = [(m: ReferenceMetrics) => m.journeyFunnel[0]!.contacts, (m: ReferenceMetrics) => m.journeyFunnel[1]!.contacts];
    expect(some((m) => sales(m) > 0 && sales(m) < reached(m) && sales(m) < m.kpis.contactsInSales.value)).toBe(true);
    expect(some((m) => m.contactsByMonth.every((row) => row.total > 0 && row.total < row.broadcast + row.sales + row.support))).toBe(true);
    expect(some((m) => m.contactsByState.filter((s) => s.contacts > 0).length > 15)).toBe(true);
    expect(some((m) => m.contactsByState.find((s) => s.state === 'FOREIGN')!.contacts > 0)).toBe(true);
    expect(some((m) => m.dailyVolume.every((d) => d.broadcasts > 0 && d.salesServices > 0))).toBe(true);
    expect(some((m) => m.serviceDistribution.sales > m.kpis.contactsInSales.value)).toBe(true);
    expect(some((m) => m.salesHeatmap.filter((cell) => cell.messages > 0).length > 40)).toBe(true);
  });
});

const LAKES: { name: string; format: LakeFormat | Partial<Record<TableName, LakeFormat>> }[] = [
  { name: 'Parquet', format: 'parquet' },
  { name: 'NDJSON', format: 'ndjson' },
  { name: 'mixed-format', format: { contacts: 'parquet', broadcast_events: 'ndjson.gz', services: 'ndjson', service_messages: 'parquet' } },
];

describe.each(LAKES)('buildReport on a $name lake equals the reference', ({ format }) => {
  const rows = rowsFor(GENERATED, format);
  const engines = new Map<string, DuckDbEngine>();
  let dir = '';

  beforeAll(async () => {
    dir = tempDir('cbr-differential-');
    await writeLake(dir, rows, format);
    for (const tenant of TENANTS) engines.set(tenant, await DuckDbEngine.open({ lakeDir: dir, threads: 1 }, tenant));
  });

  afterAll(async () => {
    for (const engine of engines.values()) await engine.close();
    if (dir) removeDir(dir);
  });

  it.each(RUNS)('$name', async (run) => {
    const request = requestOf(run, run.tenant);
    const { execution: _execution, dataQuality: _dataQuality, ...actual } = await buildReport(request, engines.get(run.tenant)!);
    const expected = referenceMetrics(rows, request);
    for (const key of Object.keys(expected) as (keyof ReferenceMetrics)[]) {
      expect.soft(actual[key], key).toEqual(expected[key]);
    }
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  });
});
