import { nextDue } from './schedule.ts';
import {
  applyPatch,
  idFromName,
  parseNewSubscription,
  parseSubscriptionPatch,
  type Actor,
  type RecipientStatus,
  type SubscriptionRecord,
} from './subscription.ts';
import {
  SubscriptionExistsError,
  SubscriptionNotFoundError,
  VersionConflictError,
  type SubscriptionStore,
} from './subscription-store.port.ts';

/** Who is changing what, and when: every change records its actor and instant. */
export interface ChangeContext {
  tenantId: string;
  actor: Actor;
  now: Date;
}

/** The next send instant of a record as it stands; undefined when paused or past its last date. */
export function nextRunOf(record: SubscriptionRecord, after: Date): string | undefined {
  if (record.paused) return undefined;
  const next = nextDue(record.schedule, after, record);
  return next ? next.toISOString() : undefined;
}

function withNextRun(record: SubscriptionRecord, after: Date): SubscriptionRecord {
  const next = nextRunOf(record, after);
  const result = { ...record };
  if (next) result.nextRunAt = next;
  else delete result.nextRunAt;
  return result;
}

const randomSuffix = () => globalThis.crypto.randomUUID().slice(0, 8);

/** Validates the input and stores a new record at version 1; an id derived from the name gets a suffix if taken. */
export async function createSubscription(
  store: SubscriptionStore,
  input: unknown,
  ctx: ChangeContext,
): Promise<SubscriptionRecord> {
  const value = parseNewSubscription(input);
  const derived = value.id === undefined;
  let id = value.id ?? (value.name && idFromName(value.name)) ?? `sub-${randomSuffix()}`;
  const at = ctx.now.toISOString();
  for (let attempt = 0; ; attempt++) {
    const record: SubscriptionRecord = withNextRun(
      {
        tenantId: ctx.tenantId,
        id,
        ...(value.name && { name: value.name }),
        schedule: value.schedule,
        locale: value.locale,
        recipients: value.recipients.map((email) => ({ email, status: 'active' })),
        ...(value.startDate && { startDate: value.startDate }),
        ...(value.endDate && { endDate: value.endDate }),
        paused: false,
        version: 1,
        createdAt: at,
        createdBy: ctx.actor,
        updatedAt: at,
        updatedBy: ctx.actor,
      },
      ctx.now,
    );
    try {
      await store.create(record);
      return record;
    } catch (error) {
      if (!(error instanceof SubscriptionExistsError) || !derived || attempt >= 3) throw error;
      id = `${id.slice(0, 31)}-${randomSuffix()}`;
    }
  }
}

async function mustGet(store: SubscriptionStore, tenantId: string, id: string): Promise<SubscriptionRecord> {
  const record = await store.get(tenantId, id);
  if (!record) throw new SubscriptionNotFoundError(id);
  return record;
}

/** Stores `change(current)` as the next version, if `expectedVersion` is still current. */
async function commit(
  store: SubscriptionStore,
  current: SubscriptionRecord,
  next: SubscriptionRecord,
  ctx: ChangeContext,
): Promise<SubscriptionRecord> {
  const stored: SubscriptionRecord = {
    ...next,
    version: current.version + 1,
    updatedAt: ctx.now.toISOString(),
    updatedBy: ctx.actor,
  };
  await store.update(stored, current.version);
  return stored;
}

/**
 * Applies an admin's patch to the version they read. The next send moves only when the schedule or
 * the dates change, so an edit made while a send is due does not lose it.
 */
export async function updateSubscription(
  store: SubscriptionStore,
  id: string,
  expectedVersion: number,
  input: unknown,
  ctx: ChangeContext,
): Promise<SubscriptionRecord> {
  const patch = parseSubscriptionPatch(input);
  const current = await mustGet(store, ctx.tenantId, id);
  if (current.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion, current.version);
  let next = applyPatch(current, patch);
  const timing = (r: SubscriptionRecord) => JSON.stringify([r.schedule, r.startDate ?? null, r.endDate ?? null]);
  if (timing(next) !== timing(current)) next = withNextRun(next, ctx.now);
  return commit(store, current, next, ctx);
}

export async function deleteSubscription(
  store: SubscriptionStore,
  id: string,
  expectedVersion: number,
  ctx: ChangeContext,
): Promise<void> {
  await store.delete(ctx.tenantId, id, expectedVersion);
}

/**
 * Pauses or resumes. Without a version the caller means "whatever it is now": a concurrent change is
 * re-read and the pause applied on top (a few times). Pausing a paused subscription changes nothing.
 * A resumed subscription sends from its next due time on; what fell in the pause is not caught up.
 */
export async function setPaused(
  store: SubscriptionStore,
  id: string,
  paused: boolean,
  ctx: ChangeContext,
  expectedVersion?: number,
): Promise<SubscriptionRecord> {
  for (let attempt = 0; ; attempt++) {
    const current = await mustGet(store, ctx.tenantId, id);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new VersionConflictError(id, expectedVersion, current.version);
    }
    if (current.paused === paused) return current;
    try {
      return await commit(store, current, withNextRun({ ...current, paused }, ctx.now), ctx);
    } catch (error) {
      if (!(error instanceof VersionConflictError) || expectedVersion !== undefined || attempt >= 4) throw error;
    }
  }
}

/**
 * Sets one recipient's status (an unsubscribe link, a bounce). Idempotent: a recipient already in that
 * status, or no longer on the subscription, or a subscription that is gone, changes nothing (false).
 * An active status never overrides a suppression or an unsubscribe here: only an admin re-adds one.
 */
export async function setRecipientStatus(
  store: SubscriptionStore,
  id: string,
  email: string,
  status: Exclude<RecipientStatus, 'active'>,
  ctx: ChangeContext,
): Promise<boolean> {
  const address = email.trim().toLowerCase();
  for (let attempt = 0; ; attempt++) {
    const current = await store.get(ctx.tenantId, id);
    const recipient = current?.recipients.find((r) => r.email === address);
    if (!current || !recipient || recipient.status !== 'active') return false;
    const at = ctx.now.toISOString();
    const recipients = current.recipients.map((r) =>
      r.email === address ? { email: r.email, status, statusChangedAt: at } : r,
    );
    try {
      await commit(store, current, { ...current, recipients }, ctx);
      return true;
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= 4) throw error;
    }
  }
}

/** Suppresses an address on every subscription of the tenant (a hard bounce or a complaint); the ids changed. */
export async function suppressAddress(store: SubscriptionStore, email: string, ctx: ChangeContext): Promise<string[]> {
  const address = email.trim().toLowerCase();
  const changed: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(ctx.tenantId, { limit: 100, ...(cursor && { cursor }) });
    for (const record of page.items) {
      if (!record.recipients.some((r) => r.email === address)) continue;
      if (await setRecipientStatus(store, record.id, address, 'suppressed', ctx)) changed.push(record.id);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return changed;
}
