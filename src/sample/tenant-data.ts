/**
 * The rows of one tenant: contacts (two snapshots), broadcast events, services and their messages.
 * Pure generation: every random choice comes from seeded streams, so the rows do not depend on the output format.
 */
import type { TableName } from '../core/report.types.ts';
import type { Cell, RowSink } from './lake-writers.ts';
import { DAY_S, type LocalCalendar, addDays, utcDayStart } from './local-calendar.ts';
import { PhoneMaker, ALL_DDDS } from './phones.ts';
import { hashSeed, Rng, Weighted } from './prng.ts';

export interface TenantProfile {
  /** Contacts at scale 1, in millions. */
  size: number;
  /** Exponential growth of the base over its two years (0 = linear). */
  growth: number;
  broadcastsPerWeekday: number;
  /** Broadcast events per contact of the base over the whole history, at any scale. */
  eventsPerContact: number;
  /** Services per contact of the base over the whole history. */
  servicesPerContact: number;
  broadcastChannels: readonly (readonly [string, number])[];
  serviceChannels: readonly (readonly [string, number])[];
  delivered: number;
  read: number;
  clicked: number;
  replied: number;
  rejected: number;
  salesShare: number;
  /** Multiplies the chance that a delivered broadcast leads to a SALES service. */
  attribution: number;
  /** Multiplies the weight of a state's area codes. */
  ufBoost: Readonly<Record<string, number>>;
}

const ACME: TenantProfile = {
  size: 1,
  growth: 1.5,
  broadcastsPerWeekday: 0.7,
  eventsPerContact: 20,
  servicesPerContact: 2,
  broadcastChannels: [
    ['WHATSAPP', 80],
    ['SMS', 10],
    ['EMAIL', 6],
    ['RCS', 4],
  ],
  serviceChannels: [
    ['WHATSAPP', 72],
    ['WEBCHAT', 12],
    ['EMAIL', 8],
    ['INSTAGRAM', 5],
    ['PHONE', 3],
  ],
  delivered: 0.91,
  read: 0.62,
  clicked: 0.15,
  replied: 0.08,
  rejected: 0.01,
  salesShare: 0.6,
  attribution: 1,
  ufBoost: {},
};

const PROFILES: Readonly<Record<string, TenantProfile>> = {
  acme: ACME,
  globex: {
    ...ACME,
    size: 0.8,
    growth: 0.6,
    broadcastsPerWeekday: 1,
    eventsPerContact: 24,
    servicesPerContact: 1.6,
    broadcastChannels: [
      ['WHATSAPP', 55],
      ['SMS', 25],
      ['EMAIL', 15],
      ['RCS', 5],
    ],
    delivered: 0.86,
    read: 0.5,
    clicked: 0.2,
    replied: 0.05,
    rejected: 0.015,
    salesShare: 0.7,
    attribution: 0.6,
    ufBoost: { RS: 4, PR: 3, SC: 3 },
  },
  initech: {
    ...ACME,
    size: 1.2,
    growth: 2.4,
    broadcastsPerWeekday: 0.5,
    eventsPerContact: 16,
    servicesPerContact: 2.4,
    broadcastChannels: [
      ['WHATSAPP', 90],
      ['EMAIL', 5],
      ['RCS', 5],
    ],
    serviceChannels: [
      ['WHATSAPP', 85],
      ['WEBCHAT', 10],
      ['EMAIL', 5],
    ],
    delivered: 0.93,
    read: 0.68,
    clicked: 0.1,
    replied: 0.12,
    rejected: 0.008,
    salesShare: 0.45,
    attribution: 1.5,
    ufBoost: { BA: 3, PE: 3, CE: 3, MA: 2, PB: 2, RN: 2, AL: 2, PI: 2, SE: 2 },
  },
};

export const NOISE_TENANTS = ['noise-a', 'noise-b'] as const;

/** The profile of a tenant: the named ones are fixed, any other is a variation of acme derived from its name. */
export function tenantProfile(tenant: string, seed: number): TenantProfile {
  const known = PROFILES[tenant];
  if (known) return known;
  const rng = new Rng(hashSeed(seed, tenant, 'profile'));
  const vary = (x: number, spread: number) => x * (1 - spread + 2 * spread * rng.next());
  return {
    ...ACME,
    size: (NOISE_TENANTS as readonly string[]).includes(tenant) ? vary(0.05, 0.2) : vary(1, 0.2),
    growth: vary(1.2, 0.6),
    broadcastsPerWeekday: vary(0.7, 0.3),
    delivered: vary(0.9, 0.04),
    read: vary(0.6, 0.2),
    clicked: vary(0.15, 0.3),
    replied: vary(0.08, 0.3),
    salesShare: vary(0.6, 0.2),
    attribution: vary(1, 0.4),
  };
}

export interface TenantPlan {
  tenant: string;
  /** Main tenants get at least one bad row and one non-JSON line per table. */
  main: boolean;
  profile: TenantProfile;
  seed: number;
  scale: number;
  /** First UTC date of events and services. */
  startDate: string;
  /** Last UTC date with data. */
  endDate: string;
  calendar: LocalCalendar;
}

export type Writers = Record<TableName, TableWriter>;

const enum Dup {
  None,
  /** written again into the same file */
  SameFile,
  /** written again later, into another file of the same partition where the format allows */
  Redelivered,
}

/** Writes rows of one table, adding the bad rows (~0.1%) real deliveries carry. */
export class TableWriter {
  rows = 0;
  private writes = 0;
  private readonly rng: Rng;

  constructor(
    private readonly sink: RowSink,
    seed: number,
    private readonly requiredColumns: readonly number[],
    private readonly timestampColumn: number,
    private readonly forceBadRows: boolean,
  ) {
    this.rng = new Rng(seed);
  }

  /** Writes a row into the partition of instant `at` (or of day `day`), with its duplicate if asked. */
  write(row: Cell[], at: number, dup: Dup = Dup.None): void {
    this.writeDay(row, Math.floor(at / DAY_S), dup);
  }

  writeDay(row: Cell[], day: number, dup: Dup = Dup.None): void {
    const n = ++this.writes;
    let bad = this.rng.chance(0.001) ? 1 + this.rng.int(3) : 0;
    if (this.forceBadRows && n === 3) bad = 1;
    if (this.forceBadRows && n === 5) bad = 2;
    if (bad === 1) row[this.rng.pick(this.requiredColumns)] = null;
    else if (bad === 2) row[this.timestampColumn] = this.rng.pick(UNPARSEABLE_TIMESTAMPS);
    else if (bad === 3) row[this.timestampColumn] = null;
    this.sink.push(row, day, false);
    this.rows++;
    if (dup !== Dup.None) {
      // Redeliveries into a file of their own come in incidents, on some days only (few small files).
      this.sink.push(row, day, dup === Dup.Redelivered && day % 5 === 0);
      this.rows++;
    }
    if (this.forceBadRows && n === 7) this.sink.garbage(day);
  }

  /** Called often by the generators: flushes a full sink, and now and then yields to the event loop so background writes progress. */
  async maybeFlush(): Promise<void> {
    if (this.sink.wantsFlush) await this.sink.flush();
    const now = performance.now();
    if (now - lastYield > 20) {
      lastYield = now;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  finish(): Promise<void> {
    return this.sink.finish();
  }
}

let lastYield = 0;

const UNPARSEABLE_TIMESTAMPS = ['yesterday', 'not a date', '31/02/2026 25:61', '2026-13-45T99:00:00Z'];

export function tableWriter(table: TableName, sink: RowSink, plan: TenantPlan): TableWriter {
  const seed = hashSeed(plan.seed, plan.tenant, table, 'bad-rows');
  switch (table) {
    case 'contacts':
      return new TableWriter(sink, seed, [0], 2, plan.main);
    case 'broadcast_events':
      return new TableWriter(sink, seed, [0, 3, 5], 6, plan.main);
    case 'services':
      return new TableWriter(sink, seed, [0, 1, 2], 4, plan.main);
    case 'service_messages':
      return new TableWriter(sink, seed, [0, 1, 3], 5, plan.main);
  }
}

/** Contact i (0-based) is c-<i+1>. */
const contactId = (index: number) => index + 1;

export interface Contacts {
  count: number;
  /** Sorted ascending: contact i is the i-th registered. */
  createdAt: Float64Array;
  /** Infinity when never deleted. */
  deletedAt: Float64Array;
}

/** Contacts registered before instant t (an upper bound: some may be deleted). */
function registeredBefore(contacts: Contacts, t: number): number {
  const c = contacts.createdAt;
  let lo = 0;
  let hi = contacts.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An id of a contact that is in no snapshot (created after it, or purged). */
function strangerId(rng: Rng, contacts: Contacts): number {
  return contactId(contacts.count + rng.int(Math.max(10, Math.ceil(contacts.count * 0.02))));
}

/** Both snapshots (end - 7 days and end) of the contact base. */
export async function generateContacts(plan: TenantPlan, out: TableWriter): Promise<Contacts> {
  const { profile, seed, tenant } = plan;
  const rng = new Rng(hashSeed(seed, tenant, 'contacts'));
  const count = Math.max(5, Math.round(1e6 * plan.scale * profile.size));
  const endTs = utcDayStart(plan.endDate) + DAY_S;
  const from = Math.min(endTs - 730 * DAY_S, utcDayStart(plan.startDate) - 60 * DAY_S);
  const span = endTs - 1 - from;

  const createdAt = new Float64Array(count);
  const g = profile.growth;
  const eg = Math.expm1(g);
  for (let i = 0; i < count; i++) {
    const u = rng.next();
    const x = g > 0 ? Math.log1p(u * eg) / g : u; // inverse CDF of a density growing like e^(g x)
    createdAt[i] = from + Math.floor(x * span);
  }
  createdAt.sort();

  // Spread one valid number of every area code over the base, so each DDD shows up even at small scales.
  const forcedDdd = new Map<number, number>();
  if (count >= ALL_DDDS.length)
    ALL_DDDS.forEach((ddd, k) => forcedDdd.set(Math.floor(((k + 0.5) * count) / ALL_DDDS.length), ddd));

  const deletedAt = new Float64Array(count).fill(Infinity);
  for (let i = 0; i < count; i++) {
    if (rng.chance(0.03) && !forcedDdd.has(i))
      deletedAt[i] = createdAt[i]! + Math.floor(rng.next() * (endTs - 1 - createdAt[i]!));
  }

  const phones = new PhoneMaker(profile.ufBoost);
  const phoneSeed = hashSeed(seed, tenant, 'phones');
  for (const snapshot of [addDays(plan.endDate, -7), plan.endDate]) {
    const snapshotEnd = utcDayStart(snapshot) + DAY_S;
    const snapshotDay = snapshotEnd / DAY_S - 1;
    for (let i = 0; i < count && createdAt[i]! < snapshotEnd; i++) {
      // a contact keeps its phone across snapshots: draw it from a stream of its own
      const phone = phones.make(new Rng(phoneSeed ^ Math.imul(i + 1, 0x9e3779b1)), forcedDdd.get(i));
      const deleted = deletedAt[i]! < snapshotEnd ? deletedAt[i]! : null;
      out.writeDay([contactId(i), phone, createdAt[i]!, deleted], snapshotDay);
      if ((i & 0x3fff) === 0) await out.maybeFlush();
    }
  }
  return { count, createdAt, deletedAt };
}

/** Local hour weights. */
const BROADCAST_HOURS = hourWeights([
  0, 0, 0, 0, 0, 0, 0, 0.3, 1.5, 3, 3, 2, 1, 1.5, 2.5, 2.5, 2, 1.2, 0.7, 0.6, 0.5, 0.45, 0.35, 0.3,
]);
const SERVICE_HOURS_WEEKDAY = hourWeights([
  0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.3, 1.2, 5, 8, 9, 8.5, 5, 6, 8.5, 8.5, 7.5, 5.5, 2.2, 1.4, 1, 0.7, 0.45, 0.25,
]);
const SERVICE_HOURS_WEEKEND = hourWeights([
  0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2, 2.5, 2.5, 2, 2, 2, 1.8, 1.5, 1.3, 1.2, 1.1, 1, 0.8, 0.6, 0.4,
]);

function hourWeights(weights: number[]): Weighted<number> {
  return new Weighted(weights.map((w, hour) => [hour, w] as const));
}

const UNKNOWN_STATUSES = ['QUEUED', 'FAILED', 'ACCEPTED'] as const;

/** A SALES service the broadcast led to: opened by `contact` at `openedAt`. */
export interface Attribution {
  contact: number;
  openedAt: number;
  channel: string;
}

class Clock {
  readonly startTs: number;
  /** Nothing happens at or after this instant (the day after `end`, 00:00 UTC). */
  readonly endTs: number;

  constructor(
    readonly plan: TenantPlan,
    private readonly rng: Rng,
  ) {
    this.startTs = utcDayStart(plan.startDate);
    this.endTs = utcDayStart(plan.endDate) + DAY_S;
  }

  /** Calendar day index of a UTC date. */
  dayIndex(date: string): number {
    return this.plan.calendar.dayOf(utcDayStart(date) + 12 * 3600);
  }

  isBusinessHour(t: number, lastHour: number): boolean {
    const cal = this.plan.calendar;
    const day = cal.dayOf(t);
    const hour = cal.hourOf(t, day);
    return cal.isWeekday(day) && hour >= 8 && hour < lastHour;
  }

  /** Shortly after the next opening (weekdays, 08:00 local) at or after t. */
  nextOpening(t: number): number {
    const cal = this.plan.calendar;
    let day = cal.dayOf(t);
    if (cal.hourOf(t, day) >= 8) day++;
    while (day < cal.dayCount - 1 && !cal.isWeekday(day)) day++;
    return cal.start(day) + 8 * 3600 + Math.floor(this.rng.logUniform(60, 3 * 3600));
  }
}

export async function generateBroadcastEvents(
  plan: TenantPlan,
  contacts: Contacts,
  out: TableWriter,
): Promise<Attribution[]> {
  const { profile } = plan;
  const rng = new Rng(hashSeed(plan.seed, plan.tenant, 'broadcasts'));
  const clock = new Clock(plan, rng);
  const cal = plan.calendar;
  const channels = new Weighted(profile.broadcastChannels);

  // Campaigns: a few per week on weekdays, mostly in business hours, some late in the evening (next UTC day).
  const sendAt: number[] = [];
  for (let day = clock.dayIndex(plan.startDate); day <= clock.dayIndex(plan.endDate); day++) {
    const campaigns = rng.poisson(cal.isWeekday(day) ? profile.broadcastsPerWeekday : 0.03);
    for (let k = 0; k < campaigns; k++) {
      const t = cal.start(day) + BROADCAST_HOURS.sample(rng) * 3600 + rng.int(3600);
      if (t >= clock.startTs && t < clock.endTs) sendAt.push(t);
    }
  }
  sendAt.sort((a, b) => a - b);

  const funnel = 1 + profile.delivered * (1 + profile.read * (1 + profile.clicked + profile.replied));
  const targetMessages = (profile.eventsPerContact * contacts.count) / funnel;
  const weights = sendAt.map((t) => registeredBefore(contacts, t) * (0.4 + 1.2 * rng.next()));
  const weightSum = weights.reduce((a, b) => a + b, 0) || 1;

  const attributions: Attribution[] = [];
  let eventSeq = 0;
  let messageSeq = 0;
  const { endTs } = clock;

  for (let b = 0; b < sendAt.length; b++) {
    const start = sendAt[b]!;
    const broadcastId = b + 1;
    const channel = channels.sample(rng);
    const eligible = registeredBefore(contacts, start);
    const audience = Math.min(eligible, Math.max(1, Math.round((targetMessages * weights[b]!) / weightSum)));
    const sendingSeconds = Math.max(120, audience / 30);

    const event = (messageId: number, contact: number, status: string, t: number): void => {
      eventSeq++;
      if (t >= endTs || rng.chance(0.03)) return; // not happened yet, or lost on the way
      const dup = rng.chance(0.02) ? (rng.chance(0.5) ? Dup.SameFile : Dup.Redelivered) : Dup.None;
      out.write([eventSeq, broadcastId, messageId, contact, channel, status, t], t, dup);
    };

    const message = (index: number): void => {
      const messageId = ++messageSeq;
      const stranger = rng.chance(0.004);
      const contact = stranger ? strangerId(rng, contacts) : contactId(index);
      const sent = start + Math.floor(rng.next() * sendingSeconds);
      if (rng.chance(profile.rejected)) {
        event(messageId, contact, 'REJECTED', sent + 1 + rng.int(30));
        return;
      }
      if (rng.chance(0.005)) {
        const status = rng.pick(UNKNOWN_STATUSES);
        event(messageId, contact, status, status === 'FAILED' ? sent + 1 + rng.int(600) : sent - 1 - rng.int(20));
      }
      event(messageId, contact, 'SENT', sent);
      if (!rng.chance(profile.delivered)) {
        event(messageId, contact, 'NOT_DELIVERED', sent + Math.floor(rng.logUniform(5, 7200)));
        return;
      }
      const delivered = sent + Math.floor(rng.chance(0.95) ? rng.logUniform(1, 90) : rng.logUniform(90, 6 * 3600));
      event(messageId, contact, 'DELIVERED', delivered);
      let interest = 0.02;
      if (rng.chance(profile.read)) {
        const u = rng.next();
        const read =
          delivered +
          Math.floor(
            u < 0.45
              ? rng.logUniform(10, 600)
              : u < 0.8
                ? rng.logUniform(600, 6 * 3600)
                : rng.logUniform(6 * 3600, 4 * DAY_S),
          );
        event(messageId, contact, 'READ', read);
        if (rng.chance(profile.clicked)) {
          event(
            messageId,
            contact,
            'CLICKED',
            read + Math.floor(rng.chance(0.8) ? rng.logUniform(3, 7200) : rng.logUniform(7200, 2 * DAY_S)),
          );
          interest += 0.2;
        }
        if (rng.chance(profile.replied)) {
          event(messageId, contact, 'REPLIED', read + Math.floor(rng.logUniform(10, DAY_S)));
          interest += 0.3;
        }
      }
      if (!stranger && rng.chance(interest * profile.attribution)) {
        // most within the 7-day attribution window, some beyond it
        const u = rng.next();
        const delay =
          u < 0.55
            ? rng.logUniform(300, 2 * DAY_S)
            : u < 0.82
              ? (2 + 5 * rng.next()) * DAY_S
              : (7 + 9 * rng.next()) * DAY_S;
        let openedAt = delivered + Math.floor(delay);
        if (!clock.isBusinessHour(openedAt, 18) && rng.chance(0.75)) openedAt = clock.nextOpening(openedAt);
        if (openedAt < endTs) attributions.push({ contact: index, openedAt, channel });
      }
    };

    // The audience: a uniform sample of the contacts registered (and not deleted) by then, by geometric skips.
    const p = audience / Math.max(1, eligible);
    const logQ = Math.log(1 - p);
    const skip = () => (p >= 1 ? 0 : Math.floor(Math.log(1 - rng.next()) / logQ));
    for (let i = audience > 0 ? skip() : eligible; i < eligible; i += 1 + skip()) {
      if (contacts.deletedAt[i]! > start) message(i);
    }
    await out.maybeFlush();
  }
  attributions.sort((a, b) => a.openedAt - b.openedAt);
  return attributions;
}

export async function generateServices(
  plan: TenantPlan,
  contacts: Contacts,
  attributions: readonly Attribution[],
  services: TableWriter,
  messages: TableWriter,
): Promise<void> {
  const { profile } = plan;
  const rng = new Rng(hashSeed(plan.seed, plan.tenant, 'services'));
  const clock = new Clock(plan, rng);
  const cal = plan.calendar;
  const { endTs } = clock;
  const serviceChannels = new Weighted(profile.serviceChannels);

  const total = profile.servicesPerContact * contacts.count;
  const organicSales = Math.max(0, total * profile.salesShare - attributions.length);
  const organic = organicSales + total * (1 - profile.salesShare);

  // Organic services per local day follow the size of the base, with quiet weekends.
  const firstDay = clock.dayIndex(plan.startDate);
  const lastDay = clock.dayIndex(plan.endDate);
  const dayWeight: number[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = cal.weekday(day);
    const factor = weekday <= 5 ? 1 : weekday === 6 ? 0.18 : 0.08;
    dayWeight.push(factor * registeredBefore(contacts, cal.start(day) + 12 * 3600));
  }
  const weightSum = dayWeight.reduce((a, b) => a + b, 0) || 1;

  let serviceSeq = 0;
  let messageSeq = 0;

  const service = async (contact: number, module: string, channel: string, openedAt: number): Promise<void> => {
    const serviceId = ++serviceSeq;
    let direction = rng.chance(0.9) ? 'IN' : 'OUT';
    let t = openedAt + rng.int(60);
    let last = t;
    const count = 2 + Math.floor(9 * rng.next() ** 1.6); // 2..10, mostly short conversations (about 5 on average)
    for (let k = 0; k < count; k++) {
      if (k > 0) {
        t += Math.floor(rng.chance(0.9) ? rng.logUniform(15, 3 * 3600) : rng.logUniform(3 * 3600, 2 * DAY_S));
        if (!clock.isBusinessHour(t, 19) && rng.chance(0.65)) t = clock.nextOpening(t);
      }
      if (t >= endTs) break;
      const shownDirection = rng.chance(0.003) ? 'SYSTEM' : direction;
      const dup = rng.chance(0.01) ? (rng.chance(0.5) ? Dup.SameFile : Dup.Redelivered) : Dup.None;
      messages.write([++messageSeq, serviceId, contact, module, shownDirection, t], t, dup);
      last = t;
      if (rng.chance(0.78)) direction = direction === 'IN' ? 'OUT' : 'IN';
    }
    let closedAt: number | null = rng.chance(0.85) ? last + Math.floor(rng.logUniform(60, 2 * DAY_S)) : null;
    if (closedAt !== null && closedAt >= endTs) closedAt = null; // still open at the end of the data
    const u = rng.next();
    if (u < 0.05) {
      services.write(
        [serviceId, contact, module, channel, openedAt, closedAt],
        openedAt,
        rng.chance(0.5) ? Dup.SameFile : Dup.Redelivered,
      );
    } else if (u < 0.1 && closedAt !== null) {
      // delivered when opened, then again when closed
      services.write([serviceId, contact, module, channel, openedAt, null], openedAt);
      services.write([serviceId, contact, module, channel, openedAt, closedAt], openedAt);
    } else {
      services.write([serviceId, contact, module, channel, openedAt, closedAt], openedAt);
    }
    if (serviceSeq % 64 === 0) {
      await services.maybeFlush();
      await messages.maybeFlush();
    }
  };

  let next = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = cal.isWeekday(day);
    const n = rng.poisson((organic * dayWeight[day - firstDay]!) / weightSum);
    for (let k = 0; k < n; k++) {
      const openedAt =
        cal.start(day) + (weekday ? SERVICE_HOURS_WEEKDAY : SERVICE_HOURS_WEEKEND).sample(rng) * 3600 + rng.int(3600);
      let module = rng.chance(organicSales / organic) ? 'SALES' : 'SUPPORT';
      if (rng.chance(0.0005)) module = 'BILLING'; // a module the reports do not know
      const channel = serviceChannels.sample(rng);
      if (openedAt < clock.startTs || openedAt >= endTs) continue;
      let contact: number;
      const registered = registeredBefore(contacts, openedAt);
      if (registered === 0 || rng.chance(0.005)) contact = strangerId(rng, contacts);
      else {
        let index = rng.int(registered);
        for (let tries = 0; tries < 3 && contacts.deletedAt[index]! <= openedAt; tries++) index = rng.int(registered);
        contact = contactId(index);
      }
      await service(contact, module, channel, openedAt);
    }
    const dayEnd = cal.start(day + 1);
    for (; next < attributions.length && attributions[next]!.openedAt < dayEnd; next++) {
      const a = attributions[next]!;
      await service(contactId(a.contact), 'SALES', a.channel, a.openedAt);
    }
  }
}
