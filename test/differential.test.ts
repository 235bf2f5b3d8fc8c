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
import { parseInstant, referenceMetrics, stateOfPhone, type ReferenceMetrics } from './support/reference-metrics.ts';

// ---------------------------------------------------------------------------------------------------------------
// Cases: time zones (with DST switches and the extreme offsets), period lengths 1/7/30, attribution 1/7.

interface Case {
  /** The tenant whose rows cluster around this case's boundaries (the others' rows are mostly elsewhere). */
  tenant: string;
  zone: string;
  start: string;
  end: string;
  attributionDays: number;
}

const CASES: Case[] = [
  { tenant: 'acme', zone: 'America/Sao_Paulo', start: '2026-11-16', end: '2026-11-22', attributionDays: 7 },
  { tenant: 'acme-br', zone: 'America/Sao_Paulo', start: '2026-11-01', end: '2026-11-30', attributionDays: 1 },
  { tenant: 'zeta_9', zone: 'America/Sao_Paulo', start: '2026-03-30', end: '2026-04-05', attributionDays: 7 },
  { tenant: 'acme', zone: 'America/New_York', start: '2026-03-08', end: '2026-03-08', attributionDays: 1 }, // spring forward: 23 h day
  { tenant: 'acme-br', zone: 'America/New_York', start: '2026-11-01', end: '2026-11-07', attributionDays: 7 }, // fall back on the first day
  { tenant: 'zeta_9', zone: 'America/New_York', start: '2026-10-26', end: '2026-11-01', attributionDays: 1 }, // fall back on the last day
  { tenant: 'acme', zone: 'America/New_York', start: '2026-02-22', end: '2026-03-23', attributionDays: 7 }, // 30 days across DST
  { tenant: 'acme-br', zone: 'Asia/Kolkata', start: '2026-03-02', end: '2026-03-31', attributionDays: 1 },
  { tenant: 'zeta_9', zone: 'Asia/Kolkata', start: '2026-11-16', end: '2026-11-16', attributionDays: 7 },
  { tenant: 'acme', zone: 'Pacific/Kiritimati', start: '2026-11-16', end: '2026-11-16', attributionDays: 7 }, // UTC+14
  { tenant: 'acme-br', zone: 'Pacific/Kiritimati', start: '2026-10-28', end: '2026-11-26', attributionDays: 1 },
  { tenant: 'zeta_9', zone: 'Pacific/Pago_Pago', start: '2026-03-02', end: '2026-03-08', attributionDays: 7 }, // UTC-11
  { tenant: 'acme', zone: 'Pacific/Pago_Pago', start: '2026-11-01', end: '2026-11-01', attributionDays: 1 },
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

/**
 * An instant as a contract timestamp in a random textual form: Z or an offset (±hh:mm, ±hhmm, ±hh), with or without
 * milliseconds. Sometimes microseconds are added (never enough to cross a boundary, which are whole seconds).
 */
function iso(rng: Rng, ms: number, micros = true): string {
  const offset = rng.pick([0, 0, -180, 330, 840, -660, -300, 345, -240]);
  const useZ = offset === 0 && rng.chance(0.7);
  const shifted = new Date(ms + offset * MINUTE).toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ, wall time at the offset
  const withMs = ms % 1000 !== 0 || rng.chance(0.3);
  const wall =
    shifted.slice(0, withMs ? 23 : 19) +
    (withMs && rng.chance(0.1) ? rng.pick(micros ? ['999', '001', '0000', '000000'] : ['0000', '000000']) : '');
  if (useZ) return `${wall}Z`;
  const sign = offset < 0 ? '-' : '+';
  const [hh, mm] = [Math.floor(Math.abs(offset) / 60), Math.abs(offset) % 60].map((n) => String(n).padStart(2, '0'));
  const style = rng.next();
  return style < 0.8
    ? `${wall}${sign}${hh}:${mm}`
    : style < 0.9 || mm !== '00'
      ? `${wall}${sign}${hh}${mm}`
      : `${wall}${sign}${hh}`;
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
  return {
    start: midnight(c.start, c.zone),
    end: DateTime.fromISO(c.end, { zone: c.zone }).plus({ days: 1 }).startOf('day').toMillis(),
  };
}

/** Local midnights a case's results hinge on: its period's, the previous period's, some of its days, its months. */
interface Anchors {
  period: number[];
  months: number[];
}

function anchorsOf(c: Case): Anchors {
  const startDay = DateTime.fromISO(c.start, { zone: c.zone });
  const endDay = DateTime.fromISO(c.end, { zone: c.zone });
  const length = Math.round(endDay.diff(startDay, 'days').days) + 1;
  const period = [startDay.minus({ days: length }), startDay, endDay.plus({ days: 1 })];
  for (let i = 1; i < length; i += length > 7 ? 10 : 2) period.push(startDay.plus({ days: i }));
  const lastMonth = endDay.startOf('month');
  const months = [0, 1, 2, 3, 4, 5, 6].map((back) => lastMonth.minus({ months: back }));
  const millis = (days: DateTime[]) => days.map((d) => d.startOf('day').toMillis());
  return { period: millis(period), months: millis(months) };
}

/** The DST switches of New York in 2026 (02:00 local), where local hours are skipped or repeated. */
const DST_SWITCHES = [Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6)];

const uniqueSorted = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
/** Each tenant's rows cluster around its own cases (fewer partitions, so a fast test); a few land near the others'. */
function anchorsOfTenant(tenant: string): Anchors {
  const own = CASES.filter((c) => c.tenant === tenant).map(anchorsOf);
  return {
    period: uniqueSorted([...own.flatMap((a) => a.period), ...DST_SWITCHES]),
    months: uniqueSorted(own.flatMap((a) => a.months)),
  };
}
const ALL_PERIOD_ANCHORS = uniqueSorted(CASES.flatMap((c) => anchorsOf(c).period));

// prettier-ignore
const JITTER = [
  0, 0, 0, 1, -1, 1000, -1000, MINUTE, -MINUTE, 30 * MINUTE, -30 * MINUTE, HOUR, -HOUR, 3 * HOUR, -3 * HOUR,
  5.5 * HOUR, -5.5 * HOUR, 11 * HOUR, -11 * HOUR, 14 * HOUR, -14 * HOUR, DAY - 1, -DAY + 1, 23.5 * HOUR, -23.5 * HOUR,
];

/** An instant at or near a boundary: mostly exactly on it or a ms/s/min/hours away, sometimes anywhere within a day. */
function nearAnchor(rng: Rng, anchors: Anchors): number {
  const r = rng.next();
  if (r < 0.03) return rng.pick(ALL_PERIOD_ANCHORS) + rng.pick(JITTER);
  if (r < 0.18) return rng.pick(anchors.months) + rng.pick(JITTER.filter((j) => Math.abs(j) <= 14 * HOUR));
  const anchor = rng.pick(anchors.period);
  return rng.chance(0.75) ? anchor + rng.pick(JITTER) : anchor + Math.round((rng.next() - 0.5) * 2 * DAY);
}

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
    () =>
      rng.pick([
        '1234',
        '+55',
        '+',
        '55',
        '',
        '   ',
        '()-.',
        'n/a',
        `+55 ${ddd} 9876-ABCD`,
        `${ddd}${subscriber} ext 2`,
      ]),
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
const BAD_TIMESTAMPS = [
  'not-a-date',
  '2026-11-16 10:00:00',
  '2026-11-16T10:00:00',
  '2026-02-30T10:00:00Z',
  '',
  '1700000000',
];
/** Contacts snapshots (dt) per tenant: the newest one differs per tenant, and older ones must be ignored. */
const SNAPSHOTS: Record<string, string[]> = {
  acme: ['2026-11-20', '2026-12-03'],
  'acme-br': ['2026-03-01', '2026-11-25'],
  zeta_9: ['2026-04-10'],
};

function generate(seed: number): Generated {
  const rows = { contacts: [], broadcast_events: [], services: [], service_messages: [] } as Required<LakeRows>;
  const ndjsonOnly = new Set<LakeRow>();
  const rng = prng(seed);
  let serial = 0;
  const id = (prefix: string) => `${prefix}${++serial}`;

  /** Noise: sometimes a required column nulled (the row must then be skipped), sometimes microseconds added. */
  let noise = true;
  /** Pushes a row, with noise sometimes without one of its required columns. */
  const push = (table: TableName, row: LakeRow, required: string[]) => {
    if (noise && rng.chance(0.04)) {
      const column = rng.pick(required);
      row = { ...row, [column]: rng.chance(0.5) ? null : undefined }; // null, or the key left out
      // A contact seen nowhere else, so that counting this row would change a distinct count.
      if (column !== 'contact_id' && row.contact_id && rng.chance(0.5)) row.contact_id = id('x');
    }
    rows[table].push(row);
    return row;
  };
  const pushNdjsonOnly = (table: TableName, row: LakeRow) => {
    rows[table].push(row);
    ndjsonOnly.add(row);
  };

  for (const tenant of TENANTS) {
    const anchors = anchorsOfTenant(tenant);
    const pool = Array.from({ length: 90 }, () => `c${1 + rng.int(150)}`).filter((v, i, all) => all.indexOf(v) === i);

    // broadcast_events: messages with stage progressions, lost events, duplicates, rejected and unknown statuses.
    const reachingEvents: { contact: string; at: number }[] = [];
    const usedMessages = new Set<string>();
    const pushEvent = (contact: string, broadcast: string, message: string, status: string, at: number) => {
      const row: LakeRow = {
        tenant_id: tenant,
        dt: utcDate(at), // given, since lake-builder's Date parsing does not read every ISO-8601 offset form
        event_id: id('e'),
        broadcast_id: broadcast,
        message_id: message,
        contact_id: contact,
        channel: rng.pick(CHANNELS),
        status,
        occurred_at: iso(rng, at, noise),
        ...(rng.chance(0.1) ? { campaign_name: 'not in the contract: ignored' } : {}),
      };
      const pushed = push('broadcast_events', row, [
        'event_id',
        'broadcast_id',
        'message_id',
        'contact_id',
        'channel',
        'status',
        'occurred_at',
      ]);
      if (pushed === row && REACHING.has(status)) reachingEvents.push({ contact, at });
      for (let copies = rng.chance(0.15) ? 1 + rng.int(2) : 0; copies > 0; copies--) {
        rows.broadcast_events.push({ ...row, occurred_at: iso(rng, at, noise) }); // the same event, delivered again
      }
      if (rng.chance(0.02)) {
        pushNdjsonOnly('broadcast_events', {
          ...row,
          event_id: id('bad'),
          occurred_at: rng.pick(BAD_TIMESTAMPS),
          dt: utcDate(at),
        });
      }
    };
    for (let i = 0; i < 320; i++) {
      let broadcast: string;
      let message: string;
      do {
        broadcast = `b${rng.int(8)}`;
        message = `m${rng.int(120)}`; // the same message id in several broadcasts
      } while (usedMessages.has(`${broadcast}/${message}`));
      usedMessages.add(`${broadcast}/${message}`);
      const fate = rng.next();
      let statuses: string[];
      if (fate < 0.55) {
        const top = 1 + rng.int(STATUSES_IN_ORDER.length);
        statuses = STATUSES_IN_ORDER.slice(0, top).filter((_, k) => k === top - 1 || !rng.chance(0.25)); // lost events
      } else if (fate < 0.65) statuses = ['SENT', 'NOT_DELIVERED'];
      else if (fate < 0.73) statuses = rng.chance(0.5) ? ['REJECTED'] : ['SENT', 'REJECTED'];
      else if (fate < 0.83) statuses = [rng.pick(UNKNOWN_STATUSES)];
      else if (fate < 0.93)
        statuses = [rng.pick(['READ', 'CLICKED', 'REPLIED'])]; // READ without DELIVERED
      else statuses = ['SENT', 'SENT', 'DELIVERED']; // SENT twice (retry), at different instants
      // Events that must not count for some stage often come from contacts seen nowhere else.
      const contact = fate >= 0.55 && fate < 0.83 && rng.chance(0.5) ? id('x') : rng.pick(pool);
      let at = nearAnchor(rng, anchors);
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
        dt: utcDate(at),
        service_id: serviceId,
        contact_id: contact,
        module,
        channel: rng.pick(CHANNELS),
        opened_at: iso(rng, at, noise),
        closed_at: rng.chance(0.5) ? null : iso(rng, at + rng.pick([MINUTE, HOUR, 2 * DAY])),
      };
      push('services', row, ['service_id', 'contact_id', 'module', 'channel', 'opened_at']);
      if (rng.chance(0.15)) rows.services.push({ ...row, opened_at: iso(rng, at, noise) }); // re-delivered
      if (rng.chance(0.15)) rows.services.push({ ...row, closed_at: iso(rng, at + 3 * HOUR) }); // updated when closed
      if (rng.chance(0.02)) {
        pushNdjsonOnly('services', {
          ...row,
          service_id: id('bad'),
          opened_at: rng.pick(BAD_TIMESTAMPS),
          dt: utcDate(at),
        });
      }
      for (let n = rng.int(4); n > 0; n--)
        pushServiceMessage(
          serviceId,
          contact,
          module,
          at + rng.pick([0, MINUTE, HOUR, 5 * HOUR, 23 * HOUR, 30 * HOUR]),
        );
      return serviceId;
    };
    const pushServiceMessage = (serviceId: string, contact: string, module: string, at: number) => {
      const row: LakeRow = {
        tenant_id: tenant,
        dt: utcDate(at),
        message_id: id('sm'),
        service_id: serviceId,
        contact_id: contact,
        module,
        direction: rng.pick(['IN', 'IN', 'IN', 'OUT', 'OUT', 'in', 'INBOUND']),
        sent_at: iso(rng, at),
      };
      push('service_messages', row, ['message_id', 'service_id', 'contact_id', 'module', 'direction', 'sent_at']);
      if (rng.chance(0.2)) rows.service_messages.push({ ...row, sent_at: iso(rng, at) }); // re-delivered
      if (rng.chance(0.02)) {
        pushNdjsonOnly('service_messages', {
          ...row,
          message_id: id('bad'),
          sent_at: rng.pick(BAD_TIMESTAMPS),
          dt: utcDate(at),
        });
      }
    };
    const MODULES = ['SALES', 'SALES', 'SALES', 'SUPPORT', 'SUPPORT', 'MARKETING', 'sales'];
    for (let i = 0; i < 160; i++) {
      const module = rng.pick(MODULES);
      const contact = (module === 'SALES' || module === 'SUPPORT') && rng.chance(0.7) ? rng.pick(pool) : id('x');
      pushService(contact, module, nearAnchor(rng, anchors));
    }
    // SALES services of reached contacts, exactly at and around their reaching events and the attribution limits.
    // prettier-ignore
    const deltas = [0, 0, -1, 1, -1000, DAY, DAY - 1, DAY + 1, 7 * DAY, 7 * DAY - 1, 7 * DAY + 1, 3 * HOUR, 2 * DAY, 6 * DAY];
    for (const event of reachingEvents) {
      if (rng.chance(0.3))
        pushService(event.contact, rng.chance(0.85) ? 'SALES' : 'SUPPORT', event.at + rng.pick(deltas));
    }
    // Per case: journeys whose first reach of the period sits at its edges, with services at the exact limits.
    CASES.forEach((c, k) => {
      if (c.tenant !== tenant) return;
      const { start, end } = caseBounds(c);
      const window = c.attributionDays * DAY;
      const contact = (n: number) => `j${k}-${n}`;
      const reach = (n: number, at: number, status = 'DELIVERED') => pushEvent(contact(n), 'bj', id('mj'), status, at);
      const sales = (n: number, at: number, module = 'SALES') => pushService(contact(n), module, at);
      noise = false;
      reach(0, start); // the last instant of the window: attributed (when before the end)
      sales(0, start + window - 1);
      reach(1, start + HOUR); // exactly attributionDays x 24 h later: not attributed
      sales(1, start + HOUR + window);
      reach(2, end - 1); // reached in the period's last ms, SALES opened at that same instant: attributed
      sales(2, end - 1);
      reach(3, start); // SALES 1 ms before the reach (in the previous period): not attributed
      sales(3, start - 1);
      reach(4, start - HOUR); // reached before the period, which does not start the window...
      reach(4, start + 3 * HOUR);
      sales(4, start + HOUR); // ...so a SALES between it and the first reach of the period is not attributed
      reach(5, start, 'SENT'); // SENT does not reach...
      reach(5, start + 2 * HOUR, 'READ'); // ...a READ whose DELIVERED was lost does
      sales(5, start + HOUR);
      sales(5, start + 2 * HOUR);
      reach(6, start + HOUR, 'REJECTED'); // rejected and unknown statuses reach no one
      reach(6, start + HOUR, 'delivered');
      sales(6, start + 2 * HOUR);
      reach(7, start + HOUR); // SUPPORT is not SALES; SALES at the period's end is outside it
      sales(7, start + HOUR, 'SUPPORT');
      sales(7, end);
      reach(8, start + 5 * HOUR); // the first reach counts, not a later one
      reach(8, start + 5 * HOUR + window);
      sales(8, start + 5 * HOUR + window + HOUR);
      noise = true;
      for (let j = 9; j < 12; j++) {
        const first = rng.pick([
          start,
          start + 1,
          end - 1,
          end - HOUR,
          end - window,
          end - window - 1,
          start + 3 * HOUR,
        ]);
        if (rng.chance(0.5)) pushEvent(contact(j), 'bj', id('mj'), 'SENT', first - rng.pick([0, 1, HOUR]));
        reach(j, first, rng.pick(['DELIVERED', 'READ', 'CLICKED', 'REPLIED']));
        if (rng.chance(0.5)) reach(j, first + rng.pick([0, 1, HOUR, window]), 'READ');
        const limits = [0, -1, 1, window, window - 1, window + 1, end - first, end - first - 1, -HOUR];
        for (let n = 1 + rng.int(3); n > 0; n--)
          sales(j, first + rng.pick(limits), rng.chance(0.85) ? 'SALES' : 'SUPPORT');
      }
    });
    // SALES messages in every local hour, around the anchors and the DST switches.
    for (let i = 0; i < 140; i++) {
      const at =
        i < 40
          ? rng.pick(DST_SWITCHES) + (rng.int(12) - 6) * 30 * MINUTE + rng.pick([0, -1, 1])
          : nearAnchor(rng, anchors);
      // Their service is in no partition the report reads: a message's own module is what counts.
      pushServiceMessage(id('sx'), rng.pick(pool), rng.chance(0.9) ? 'SALES' : 'SUPPORT', at);
    }

    // contacts: snapshots with different contents; only the newest counts.
    const newest = SNAPSHOTS[tenant]!.at(-1);
    for (const older of SNAPSHOTS[tenant]!.slice(0, -1)) {
      for (const contact of [
        ...pool.filter(() => rng.chance(0.8)),
        ...Array.from({ length: 12 }, (_, n) => `old${n}`),
      ]) {
        rows.contacts.push({
          tenant_id: tenant,
          dt: older,
          contact_id: contact,
          phone: phone(rng),
          created_at: '2024-01-01T00:00:00Z',
          deleted_at: null,
        });
      }
    }
    if (newest) {
      const boundaries = CASES.filter((c) => c.tenant === tenant).flatMap((c) => Object.values(caseBounds(c)));
      const instant = () =>
        rng.chance(0.4) ? rng.pick(boundaries) + rng.pick([0, 0, -1, 1]) : nearAnchor(rng, anchors);
      const snapshotOnly = Array.from({ length: 90 }, (_, n) => `p${n}`); // contacts never messaged
      for (const contact of [...pool, ...snapshotOnly]) {
        const createdAt = rng.chance(0.3) ? Date.UTC(2025, 0, 1) + rng.int(300) * DAY : instant();
        const deletedAt = rng.chance(0.5) ? null : instant();
        const row: LakeRow = {
          tenant_id: tenant,
          dt: newest,
          contact_id: contact,
          phone: phone(rng),
          created_at: iso(rng, createdAt),
          deleted_at: deletedAt !== null ? iso(rng, deletedAt) : rng.chance(0.5) ? null : undefined, // or left out
        };
        push('contacts', row, ['contact_id', 'created_at']);
      }
      for (let n = 0; n < 4; n++) {
        const bad = rng.chance(0.5)
          ? { created_at: rng.pick(BAD_TIMESTAMPS), deleted_at: null }
          : { created_at: '2025-01-01T00:00:00Z', deleted_at: rng.pick(BAD_TIMESTAMPS) };
        pushNdjsonOnly('contacts', {
          tenant_id: tenant,
          dt: newest,
          contact_id: `bad-contact${n}`,
          phone: '+5511987654321',
          ...bad,
        });
      }
    }

    // Lines that are not a JSON object at all.
    const day = utcDate(midnight('2026-11-16', 'UTC'));
    pushNdjsonOnly('broadcast_events', {
      tenant_id: tenant,
      dt: day,
      __raw: '{"event_id": "x", "status": "DELIVERED", "contact_id": "c1"',
    });
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
const RUNS = CASES.map((c) => ({
  ...c,
  name: `${c.tenant} ${c.zone} ${c.start}..${c.end} attribution ${c.attributionDays}`,
}));

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

  it('attributes the hand-made journeys of each case as metrics.md §6 says', () => {
    CASES.forEach((c, k) => {
      const journeys = new Set(Array.from({ length: 9 }, (_, n) => `j${k}-${n}`));
      const only = (rows: LakeRow[]) => rows.filter((r) => journeys.has(r.contact_id ?? ''));
      const rows = { broadcast_events: only(GENERATED.rows.broadcast_events), services: only(GENERATED.rows.services) };
      const { start, end } = caseBounds(c);
      const lastInstantOfWindow = start + c.attributionDays * DAY - 1 < end ? 1 : 0; // not on a 23 h day
      expect(referenceMetrics(rows, requestOf(c, c.tenant)).journeyFunnel, `case ${k}`).toEqual([
        { stage: 'REACHED', contacts: 8 },
        { stage: 'SALES', contacts: 2 + lastInstantOfWindow },
      ]);
    });
  });

  it('exercises every metric with non-trivial data', () => {
    const reports = RUNS.map((r) => referenceMetrics(GENERATED.rows, requestOf(r, r.tenant)));
    const some = (f: (m: ReferenceMetrics) => boolean) => reports.some(f);
    expect(some((m) => m.kpis.contactBase.value > 0 && m.kpis.contactBase.previous > 0)).toBe(true);
    expect(some((m) => m.kpis.contactBase.value !== m.kpis.contactBase.previous)).toBe(true);
    expect(
      some(
        (m) =>
          m.kpis.reachedContacts.previous > 0 &&
          m.kpis.contactsInSales.previous > 0 &&
          m.kpis.contactsInSupport.previous > 0,
      ),
    ).toBe(true);
    expect(some((m) => m.messageFunnel.every((s) => s.contacts > 0))).toBe(true);
    const [reached, sales] = [
      (m: ReferenceMetrics) => m.journeyFunnel[0]!.contacts,
      (m: ReferenceMetrics) => m.journeyFunnel[1]!.contacts,
    ];
    expect(some((m) => sales(m) > 0 && sales(m) < reached(m) && sales(m) < m.kpis.contactsInSales.value)).toBe(true);
    expect(
      some((m) =>
        m.contactsByMonth.every((row) => row.total > 0 && row.total < row.broadcast + row.sales + row.support),
      ),
    ).toBe(true);
    expect(some((m) => m.contactsByState.filter((s) => s.contacts > 0).length > 15)).toBe(true);
    expect(some((m) => m.contactsByState.find((s) => s.state === 'FOREIGN')!.contacts > 0)).toBe(true);
    expect(some((m) => m.dailyVolume.every((d) => d.broadcasts > 0 && d.salesServices > 0))).toBe(true);
    expect(some((m) => m.serviceDistribution.sales > m.kpis.contactsInSales.value)).toBe(true);
    expect(some((m) => m.salesHeatmap.filter((cell) => cell.messages > 0).length > 40)).toBe(true);
  });
});

/** Every case on a Parquet and on an NDJSON lake; every other case (all tenants, both DST switches) on a mixed one. */
const LAKES: { name: string; format: LakeFormat | Partial<Record<TableName, LakeFormat>>; runs: typeof RUNS }[] = [
  { name: 'Parquet', format: 'parquet', runs: RUNS },
  { name: 'NDJSON', format: 'ndjson', runs: RUNS },
  {
    name: 'mixed-format',
    format: { contacts: 'parquet', broadcast_events: 'ndjson.gz', services: 'ndjson', service_messages: 'parquet' },
    runs: RUNS.filter((_, i) => i % 2 === 0),
  },
];

describe.each(LAKES)('buildReport on a $name lake equals the reference', ({ format, runs }) => {
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

  // Concurrent: each tenant has its own engine (queries on one engine run one at a time), so cores are used.
  it.concurrent.for(runs)('$name', async (run, { expect }) => {
    const request = requestOf(run, run.tenant);
    const {
      execution: _execution,
      dataQuality: _dataQuality,
      ...actual
    } = await buildReport(request, engines.get(run.tenant)!);
    const expected = referenceMetrics(rows, request);
    for (const key of Object.keys(expected) as (keyof ReferenceMetrics)[]) {
      expect.soft(actual[key], key).toEqual(expected[key]);
    }
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  });
});

describe('every ISO-8601 instant form the data contract allows is read (NDJSON)', () => {
  // Period 2026-11-16 in São Paulo: [2026-11-16T03:00Z, 2026-11-17T03:00Z). Each event reaches its own contact.
  const FORMS = {
    forms: {
      inside: [
        '2026-11-16T03:00:00Z',
        '2026-11-16T00:00:00.000-03:00',
        '2026-11-16T05:00:00+0200', // ±hhmm
        '2026-11-16T08:30:00+05', // ±hh
        '2026-11-17T02:59:59.9999999Z', // 7 fraction digits, just before the end
      ],
      outside: ['2026-11-16T02:59:59.9999999Z', '2026-11-17T00:00:00-03', '2026-11-17T03:00:00.000000000Z'],
      created: ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00+00', '2026-01-01T00:00:00.5-0300'],
    },
    // Reduced precision (no seconds) is ISO-8601 too, and what a delivery stream may well write.
    'forms-no-seconds': {
      inside: ['2026-11-16T03:00Z', '2026-11-16T12:00Z', '2026-11-16T09:00-03:00', '2026-11-17T02:59+00:00'],
      outside: ['2026-11-16T02:59Z', '2026-11-17T00:00-03:00'],
      created: ['2026-01-01T00:00Z', '2026-11-16T02:59-03:00'],
    },
  };
  const rows: Required<Pick<LakeRows, 'contacts' | 'broadcast_events'>> = { contacts: [], broadcast_events: [] };
  for (const [tenant, { inside, outside, created }] of Object.entries(FORMS)) {
    created.forEach((createdAt, n) =>
      rows.contacts.push({
        tenant_id: tenant,
        dt: '2026-11-20',
        contact_id: `k${n}`,
        phone: null,
        created_at: createdAt,
      }),
    );
    [...inside, ...outside].forEach((at, n) =>
      rows.broadcast_events.push({
        tenant_id: tenant,
        dt: utcDate(parseInstant(at)!),
        event_id: `e${n}`,
        broadcast_id: 'b',
        message_id: `m${n}`,
        contact_id: `c${n}`,
        channel: 'SMS',
        status: 'DELIVERED',
        occurred_at: at,
      }),
    );
  }
  let dir = '';

  beforeAll(async () => {
    dir = tempDir('cbr-forms-');
    await writeLake(dir, rows, 'ndjson');
  });

  afterAll(() => {
    if (dir) removeDir(dir);
  });

  it.each(Object.entries(FORMS))(
    '%s: each instant lands on its side of the period boundaries',
    async (tenant, forms) => {
      const engine = await DuckDbEngine.open({ lakeDir: dir, threads: 1 }, tenant);
      try {
        const request = parseReportRequest({ tenantId: tenant, start: '2026-11-16', end: '2026-11-16' });
        const report = await buildReport(request, engine);
        const expected = referenceMetrics(rows, request);
        expect(expected.kpis.reachedContacts.value).toBe(forms.inside.length);
        expect(expected.kpis.contactBase.value).toBe(forms.created.length);
        expect(report.kpis).toEqual(expected.kpis);
        expect(report.dataQuality.tables.broadcast_events.rowsSkipped).toBe(0);
        expect(report.dataQuality.tables.contacts.rowsSkipped).toBe(0);
      } finally {
        await engine.close();
      }
    },
  );
});
