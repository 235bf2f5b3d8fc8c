/**
 * An independent reference implementation of docs/metrics.md, computed directly from the
 * in-memory rows a test writes to the lake (the same `LakeRows` given to `writeLake`). It is written from
 * the spec, not from the SQL, so a differential test can catch any place where the SQL computes something else.
 * Plain loops and sets, luxon for time zones: slow, obvious, and meant to stay that way.
 */
import { DateTime } from 'luxon';
import type { ReportMetrics, TableName } from '../../src/core/report.types.ts';
import type { ReportRequest } from '../../src/core/report-request.ts';
import type { LakeRow, LakeRows } from './lake-builder.ts';

/** Everything metrics.json holds that the metrics define (the engine's `execution` and `dataQuality` excluded). */
export type ReferenceMetrics = Omit<ReportMetrics, 'execution' | 'dataQuality'>;

// ---------------------------------------------------------------------------------------------------------------
// The data contract (data-contract.md): columns, which are nullable, which are timestamps.

interface Column {
  name: string;
  timestamp: boolean;
  nullable: boolean;
}
const c = (name: string, timestamp = false, nullable = false): Column => ({ name, timestamp, nullable });

const CONTRACT: Record<TableName, Column[]> = {
  contacts: [c('contact_id'), c('phone', false, true), c('created_at', true), c('deleted_at', true, true)],
  broadcast_events: [
    c('event_id'),
    c('broadcast_id'),
    c('message_id'),
    c('contact_id'),
    c('channel'),
    c('status'),
    c('occurred_at', true),
  ],
  services: [
    c('service_id'),
    c('contact_id'),
    c('module'),
    c('channel'),
    c('opened_at', true),
    c('closed_at', true, true),
  ],
  service_messages: [
    c('message_id'),
    c('service_id'),
    c('contact_id'),
    c('module'),
    c('direction'),
    c('sent_at', true),
  ],
};

/**
 * ISO-8601 (extended format) with a date, a time and `Z` or an offset: the timestamp form the contract allows.
 * Seconds and fractions may be left out (reduced precision); offsets are ±hh:mm, ±hhmm or ±hh.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/**
 * Epoch microseconds of a contract timestamp, or undefined when it cannot be parsed. Instants are compared
 * exactly, to the microsecond (Parquet's finest usual unit); digits beyond it are dropped.
 */
export function parseInstantMicros(value: string): number | undefined {
  if (!ISO_INSTANT.test(value)) return undefined;
  const fraction = /:\d{2}\.(\d+)/.exec(value)?.[1] ?? '';
  const parsed = DateTime.fromISO(value.replace(/(:\d{2}\.\d{1,3})\d*/, '$1'), { setZone: true });
  if (!parsed.isValid) return undefined;
  return parsed.toMillis() * 1000 + Number(fraction.slice(3, 6).padEnd(3, '0'));
}

/** Epoch milliseconds of a contract timestamp (sub-millisecond digits dropped), or undefined. */
export function parseInstant(value: string): number | undefined {
  const micros = parseInstantMicros(value);
  return micros === undefined ? undefined : Math.floor(micros / 1000);
}

/** A valid row's columns: strings as given, timestamps as epoch µs (null when a nullable column is null). */
type Valid = Record<string, string | number | null>;

/**
 * The tenant's rows of a table that a report may use: a row missing a required column, holding a value that
 * cannot be parsed, or not being a JSON object at all (a raw malformed line) is skipped.
 */
const parsed = new WeakMap<LakeRow[], Map<string, Valid[]>>();

function validRows(rows: LakeRow[] | undefined, table: TableName, tenantId: string): Valid[] {
  if (!rows) return [];
  const cached = parsed.get(rows)?.get(tenantId);
  if (cached) return cached;
  const out = parseRows(rows, table, tenantId);
  parsed.set(rows, (parsed.get(rows) ?? new Map<string, Valid[]>()).set(tenantId, out));
  return out;
}

function parseRows(rows: LakeRow[], table: TableName, tenantId: string): Valid[] {
  const out: Valid[] = [];
  for (const row of rows) {
    if (row.tenant_id !== tenantId) continue;
    if (typeof row.__raw === 'string') continue;
    const valid: Valid = {};
    let ok = true;
    for (const column of CONTRACT[table]) {
      const value = row[column.name];
      if (value === null || value === undefined) {
        if (!column.nullable) ok = false;
        valid[column.name] = null;
      } else if (column.timestamp) {
        const micros = parseInstantMicros(value);
        if (micros === undefined) ok = false;
        valid[column.name] = micros ?? null;
      } else {
        valid[column.name] = value;
      }
    }
    if (ok) out.push(valid);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Broadcast stages and area codes (metrics.md).

const STAGES = ['SENT', 'DELIVERED', 'READ', 'CLICKED', 'REPLIED'] as const;
type Stage = (typeof STAGES)[number];

const STATUSES_OF_STAGE: Record<Stage, readonly string[]> = {
  SENT: ['SENT', 'DELIVERED', 'NOT_DELIVERED', 'READ', 'CLICKED', 'REPLIED'],
  DELIVERED: ['DELIVERED', 'READ', 'CLICKED', 'REPLIED'],
  READ: ['READ', 'CLICKED', 'REPLIED'],
  CLICKED: ['CLICKED'],
  REPLIED: ['REPLIED'],
};

const reaches = (status: string, stage: Stage) => STATUSES_OF_STAGE[stage].includes(status);

const AREA_CODES: Record<string, string> = {
  SP: '11 12 13 14 15 16 17 18 19',
  RJ: '21 22 24',
  ES: '27 28',
  MG: '31 32 33 34 35 37 38',
  PR: '41 42 43 44 45 46',
  SC: '47 48 49',
  RS: '51 53 54 55',
  DF: '61',
  GO: '62 64',
  TO: '63',
  MT: '65 66',
  MS: '67',
  AC: '68',
  RO: '69',
  BA: '71 73 74 75 77',
  SE: '79',
  PE: '81 87',
  AL: '82',
  PB: '83',
  RN: '84',
  CE: '85 88',
  PI: '86 89',
  PA: '91 93 94',
  AM: '92 97',
  RR: '95',
  AP: '96',
  MA: '98 99',
};

const UF_OF_DDD = new Map<string, string>(
  Object.entries(AREA_CODES).flatMap(([uf, codes]) => codes.split(' ').map((ddd) => [ddd, uf] as [string, string])),
);

export const STATES = [...Object.keys(AREA_CODES), 'UNKNOWN', 'FOREIGN'];

/** The state bucket of a phone, by the rules of metrics.md §8. */
export function stateOfPhone(phone: string | null | undefined): string {
  if (phone === null || phone === undefined) return 'UNKNOWN';
  const cleaned = phone.replace(/[ \-().]/g, '');
  let national: string;
  if (cleaned.startsWith('+')) {
    const international = cleaned.slice(1);
    if (international.startsWith('55')) {
      const rest = international.slice(2);
      if (!/^\d{10,11}$/.test(rest)) return 'UNKNOWN';
      national = rest;
    } else if (/^[1-9]\d*$/.test(international)) {
      return 'FOREIGN';
    } else {
      return 'UNKNOWN';
    }
  } else if (/^\d+$/.test(cleaned)) {
    if ((cleaned.length === 12 || cleaned.length === 13) && cleaned.startsWith('55')) national = cleaned.slice(2);
    else if (cleaned.length === 10 || cleaned.length === 11) national = cleaned;
    else return 'UNKNOWN';
  } else {
    return 'UNKNOWN';
  }
  return UF_OF_DDD.get(national.slice(0, 2)) ?? 'UNKNOWN';
}

// ---------------------------------------------------------------------------------------------------------------
// The report.

/** Instants here are epoch microseconds. */
const HOUR = 3_600_000_000;

/** Computes every metric of metrics.md for `request` from the rows, exactly as the spec words them. */
export function referenceMetrics(rows: LakeRows, request: ReportRequest): ReferenceMetrics {
  const { tenantId, timezone: zone, start, end, attributionDays } = request;

  // Period, previous period and the six months, as instants.
  const localDate = (iso: string) => DateTime.fromISO(iso, { zone });
  const micros = (date: DateTime) => date.toMillis() * 1000;
  const midnight = (date: DateTime) => micros(date.startOf('day'));
  const length =
    Math.round(DateTime.fromISO(end, { zone: 'UTC' }).diff(DateTime.fromISO(start, { zone: 'UTC' }), 'days').days) + 1;
  const periodStart = midnight(localDate(start));
  const periodEnd = midnight(localDate(end).plus({ days: 1 }));
  const previousStartDate = localDate(start).minus({ days: length });
  const previousStart = midnight(previousStartDate);
  const previousPeriod = {
    start: previousStartDate.toISODate()!,
    end: localDate(start).minus({ days: 1 }).toISODate()!,
  };
  const lastMonth = localDate(end).startOf('month');
  const months = [5, 4, 3, 2, 1, 0].map((back) => {
    const first = lastMonth.minus({ months: back });
    return {
      month: first.toFormat('yyyy-MM'),
      from: micros(first),
      to: Math.min(micros(first.plus({ months: 1 }).startOf('month')), periodEnd),
    };
  });
  const days = Array.from({ length }, (_, i) => localDate(start).plus({ days: i }).toISODate()!);
  const inRange = (t: number, from: number, to: number) => t >= from && t < to;
  const local = (t: number) => DateTime.fromMillis(Math.floor(t / 1000), { zone });

  // Rows.
  const events = validRows(rows.broadcast_events, 'broadcast_events', tenantId).map((r) => ({
    broadcastId: r.broadcast_id as string,
    messageId: r.message_id as string,
    contactId: r.contact_id as string,
    status: r.status as string,
    at: r.occurred_at as number,
  }));
  const services = validRows(rows.services, 'services', tenantId).map((r) => ({
    serviceId: r.service_id as string,
    contactId: r.contact_id as string,
    module: r.module as string,
    at: r.opened_at as number,
  }));
  const messages = validRows(rows.service_messages, 'service_messages', tenantId).map((r) => ({
    messageId: r.message_id as string,
    module: r.module as string,
    direction: r.direction as string,
    at: r.sent_at as number,
  }));
  const tenantContacts = (rows.contacts ?? []).filter((r) => r.tenant_id === tenantId);
  const snapshot = tenantContacts.reduce<string | null>(
    (max, r) => (r.dt !== undefined && (max === null || r.dt > max) ? r.dt : max),
    null,
  );
  const contacts = validRows(
    tenantContacts.filter((r) => r.dt === snapshot),
    'contacts',
    tenantId,
  ).map((r) => ({
    contactId: r.contact_id as string,
    phone: r.phone as string | null,
    createdAt: r.created_at as number,
    deletedAt: r.deleted_at as number | null,
  }));

  // Building blocks.
  const stageContacts = (stage: Stage, from: number, to: number) =>
    new Set(events.filter((e) => reaches(e.status, stage) && inRange(e.at, from, to)).map((e) => e.contactId));
  const reached = (from: number, to: number) => stageContacts('DELIVERED', from, to);
  const serviceContacts = (module: string, from: number, to: number) =>
    new Set(services.filter((s) => s.module === module && inRange(s.at, from, to)).map((s) => s.contactId));
  const serviceIds = (module: string, from: number, to: number) =>
    new Set(services.filter((s) => s.module === module && inRange(s.at, from, to)).map((s) => s.serviceId));
  const baseAt = (instant: number) => {
    const base = new Map<string, string | null>();
    for (const contact of contacts) {
      if (contact.createdAt < instant && (contact.deletedAt === null || contact.deletedAt >= instant)) {
        if (!base.has(contact.contactId)) base.set(contact.contactId, contact.phone);
      }
    }
    return base;
  };

  // 1–4: KPIs.
  const base = baseAt(periodEnd);
  const reachedNow = reached(periodStart, periodEnd);
  const kpis = {
    contactBase: { value: base.size, previous: baseAt(periodStart).size },
    reachedContacts: { value: reachedNow.size, previous: reached(previousStart, periodStart).size },
    contactsInSales: {
      value: serviceContacts('SALES', periodStart, periodEnd).size,
      previous: serviceContacts('SALES', previousStart, periodStart).size,
    },
    contactsInSupport: {
      value: serviceContacts('SUPPORT', periodStart, periodEnd).size,
      previous: serviceContacts('SUPPORT', previousStart, periodStart).size,
    },
  };

  // 5: message funnel.
  const messageFunnel = STAGES.map((stage) => ({ stage, contacts: stageContacts(stage, periodStart, periodEnd).size }));

  // 6: journey funnel.
  const firstReach = new Map<string, number>();
  for (const e of events) {
    if (reaches(e.status, 'DELIVERED') && inRange(e.at, periodStart, periodEnd)) {
      const first = firstReach.get(e.contactId);
      if (first === undefined || e.at < first) firstReach.set(e.contactId, e.at);
    }
  }
  const attributed = new Set<string>();
  for (const s of services) {
    const first = firstReach.get(s.contactId);
    if (s.module !== 'SALES' || first === undefined) continue;
    if (s.at >= first && s.at < first + attributionDays * 24 * HOUR && s.at < periodEnd) attributed.add(s.contactId);
  }
  const journeyFunnel: ReferenceMetrics['journeyFunnel'] = [
    { stage: 'REACHED', contacts: reachedNow.size },
    { stage: 'SALES', contacts: attributed.size },
  ];

  // 7: contacts by month.
  const contactsByMonth = months.map(({ month, from, to }) => {
    const broadcast = reached(from, to);
    const sales = serviceContacts('SALES', from, to);
    const support = serviceContacts('SUPPORT', from, to);
    const total = new Set([...broadcast, ...sales, ...support]);
    return { month, broadcast: broadcast.size, sales: sales.size, support: support.size, total: total.size };
  });

  // 8: contacts by state.
  const byState = new Map(STATES.map((state) => [state, 0]));
  for (const phone of base.values()) {
    const state = stateOfPhone(phone);
    byState.set(state, byState.get(state)! + 1);
  }
  const contactsByState = [...byState]
    .map(([state, count]) => ({ state, contacts: count }))
    .sort((a, b) => b.contacts - a.contacts || (a.state < b.state ? -1 : a.state > b.state ? 1 : 0));

  // 9: daily volume.
  const dailyVolume = days.map((date) => {
    const from = midnight(localDate(date));
    const to = midnight(localDate(date).plus({ days: 1 }));
    const broadcasts = new Set(
      events
        .filter((e) => e.status === 'SENT' && inRange(e.at, from, to))
        .map((e) => JSON.stringify([e.broadcastId, e.messageId])),
    );
    return {
      date,
      broadcasts: broadcasts.size,
      salesServices: serviceIds('SALES', from, to).size,
      supportServices: serviceIds('SUPPORT', from, to).size,
    };
  });

  // 10: service distribution.
  const serviceDistribution = {
    sales: serviceIds('SALES', periodStart, periodEnd).size,
    support: serviceIds('SUPPORT', periodStart, periodEnd).size,
  };

  // 11: sales heatmap.
  const cells = new Map<string, Set<string>>();
  for (const m of messages) {
    if (m.module !== 'SALES' || m.direction !== 'IN' || !inRange(m.at, periodStart, periodEnd)) continue;
    const t = local(m.at);
    const key = `${t.weekday}:${t.hour}`;
    cells.set(key, (cells.get(key) ?? new Set()).add(m.messageId));
  }
  const salesHeatmap: ReferenceMetrics['salesHeatmap'] = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      salesHeatmap.push({ weekday, hour, messages: cells.get(`${weekday}:${hour}`)?.size ?? 0 });
    }
  }

  return {
    schemaVersion: 1,
    tenantId,
    timezone: zone,
    period: { start, end },
    previousPeriod,
    attributionDays,
    kpis,
    messageFunnel,
    journeyFunnel,
    contactsByMonth,
    contactsByState,
    dailyVolume,
    serviceDistribution,
    salesHeatmap,
  };
}
