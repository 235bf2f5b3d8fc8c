import type { SubscriptionRecord } from './subscription.ts';

/** Another writer changed the record first: the caller's version is stale (HTTP 409). */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
  constructor(
    readonly subscriptionId: string,
    readonly expectedVersion: number,
    /** The version the store holds now; null when the record no longer exists. */
    readonly currentVersion: number | null,
  ) {
    super(
      currentVersion === null
        ? `subscription ${subscriptionId} was deleted by someone else`
        : `subscription ${subscriptionId} is at version ${currentVersion}, not ${expectedVersion}: reload it and apply your change again`,
    );
  }
}

/** A create whose id the tenant already uses (HTTP 409). */
export class SubscriptionExistsError extends Error {
  override name = 'SubscriptionExistsError';
  constructor(readonly subscriptionId: string) {
    super(`subscription ${subscriptionId} already exists`);
  }
}

/** No such subscription in the caller's tenant (HTTP 404): another tenant's is exactly as unknown. */
export class SubscriptionNotFoundError extends Error {
  override name = 'SubscriptionNotFoundError';
  constructor(readonly subscriptionId: string) {
    super(`no subscription ${subscriptionId}`);
  }
}

export interface SubscriptionPage {
  items: SubscriptionRecord[];
  /** Opaque; pass back as `cursor` for the next page. Absent on the last page. */
  nextCursor?: string;
}

/** One subscription due to be sent: where the dispatcher finds it. */
export interface DueEntry {
  tenantId: string;
  id: string;
  nextRunAt: string;
}

/**
 * The tenants' subscriptions. Every read and write names the tenant, so one tenant's records are never
 * reached through another's. Writes are conditional on the version the caller read: none is ever a
 * silent overwrite.
 */
export interface SubscriptionStore {
  get(tenantId: string, id: string): Promise<SubscriptionRecord | null>;
  /** One tenant's subscriptions in id order. */
  list(tenantId: string, options: { limit: number; cursor?: string }): Promise<SubscriptionPage>;
  /** Stores a new record (version 1); SubscriptionExistsError when the id is taken. */
  create(record: SubscriptionRecord): Promise<void>;
  /**
   * Replaces the record only if the stored one is at `expectedVersion` (and `next.version` is one more);
   * VersionConflictError otherwise, SubscriptionNotFoundError when there is none.
   */
  update(next: SubscriptionRecord, expectedVersion: number): Promise<void>;
  /** Deletes only if the stored record is at `expectedVersion`; same errors as update. */
  delete(tenantId: string, id: string, expectedVersion: number): Promise<void>;
  /** Every record of every tenant (import checks, local schedule runs). */
  scan(): AsyncIterable<SubscriptionRecord>;
}

/** What a dispatcher needs beyond the records: the subscriptions due by an instant, and moving one on. */
export interface DueIndex {
  /** Records whose nextRunAt is at or before `at`, oldest first, at most `limit`. */
  listDue(at: Date, limit: number): Promise<DueEntry[]>;
  /**
   * Moves nextRunAt from `from` to `to` (null: no next run) without touching the version; false when
   * nextRunAt is no longer `from` (another dispatcher, or an edit, moved it first).
   */
  advance(tenantId: string, id: string, from: string, to: string | null): Promise<boolean>;
}
