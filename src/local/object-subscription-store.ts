import { contentTypeOf, type ReportStore } from '../core/report-store.port.ts';
import { parseStoredRecord, type SubscriptionRecord } from '../core/subscriptions/subscription.ts';
import {
  SubscriptionExistsError,
  SubscriptionNotFoundError,
  VersionConflictError,
  type SubscriptionPage,
  type SubscriptionStore,
} from '../core/subscriptions/subscription-store.port.ts';

/** Every stored change is one object: `subscriptions/<tenant>/<id>/<revision, 10 digits>.json`. */
const ROOT = 'subscriptions/';
const REVISION = /^(\d{10})\.json$/;

interface Tombstone {
  deleted: true;
  version: number;
}

type Revision = SubscriptionRecord | Tombstone;

const isTombstone = (r: Revision): r is Tombstone => (r as Tombstone).deleted === true;

/**
 * Subscriptions as an append-only log of objects in the local folder (any ReportStore with conditional
 * writes would do). A change writes the next revision with putIfAbsent, the exclusive create the
 * delivery ledger already relies on: of two writers that read the same revision exactly one creates
 * the next, and the other gets a VersionConflictError. Earlier revisions stay as the audit trail; a
 * delete writes a tombstone. Hand-written because no package gives compare-and-swap over plain files.
 */
export class ObjectSubscriptionStore implements SubscriptionStore {
  constructor(private readonly objects: ReportStore) {}

  private prefix(tenantId: string, id?: string): string {
    return `${ROOT}${tenantId}/${id === undefined ? '' : `${id}/`}`;
  }

  /** The newest revision of one subscription and its number (0 when it never existed). */
  private async head(tenantId: string, id: string): Promise<{ revision: number; value: Revision | null }> {
    const keys = (await this.objects.list(this.prefix(tenantId, id)))
      .map((o) => REVISION.exec(o.key.slice(o.key.lastIndexOf('/') + 1)))
      .filter((m): m is RegExpExecArray => m !== null);
    const last = keys.at(-1);
    if (!last) return { revision: 0, value: null };
    const revision = Number(last[1]);
    return { revision, value: await this.read(tenantId, id, revision) };
  }

  private key(tenantId: string, id: string, revision: number): string {
    return `${this.prefix(tenantId, id)}${String(revision).padStart(10, '0')}.json`;
  }

  private async read(tenantId: string, id: string, revision: number): Promise<Revision | null> {
    const key = this.key(tenantId, id, revision);
    const bytes = await this.objects.get(key);
    if (!bytes) return null;
    const value = JSON.parse(bytes.toString('utf8')) as Revision;
    return isTombstone(value) ? value : parseStoredRecord(value, key);
  }

  private async write(tenantId: string, id: string, revision: number, value: Revision): Promise<boolean> {
    return this.objects.putIfAbsent(
      this.key(tenantId, id, revision),
      JSON.stringify(value, null, 2),
      contentTypeOf('.json'),
    );
  }

  async get(tenantId: string, id: string): Promise<SubscriptionRecord | null> {
    const { value } = await this.head(tenantId, id);
    return value && !isTombstone(value) ? value : null;
  }

  async list(tenantId: string, options: { limit: number; cursor?: string }): Promise<SubscriptionPage> {
    const ids = new Map<string, number>();
    const prefix = this.prefix(tenantId);
    for (const object of await this.objects.list(prefix)) {
      const [id, file] = object.key.slice(prefix.length).split('/');
      const m = file ? REVISION.exec(file) : null;
      if (id && m && (!options.cursor || id > options.cursor)) ids.set(id, Math.max(ids.get(id) ?? 0, Number(m[1])));
    }
    const items: SubscriptionRecord[] = [];
    const sorted = [...ids.keys()].sort();
    for (const id of sorted) {
      const value = await this.read(tenantId, id, ids.get(id)!);
      if (value && !isTombstone(value)) items.push(value);
      if (items.length === options.limit) {
        const more = sorted.indexOf(id) < sorted.length - 1;
        return more ? { items, nextCursor: id } : { items };
      }
    }
    return { items };
  }

  async create(record: SubscriptionRecord): Promise<void> {
    const { revision, value } = await this.head(record.tenantId, record.id);
    if (value && !isTombstone(value)) throw new SubscriptionExistsError(record.id);
    if (!(await this.write(record.tenantId, record.id, revision + 1, record))) {
      throw new SubscriptionExistsError(record.id);
    }
  }

  async update(next: SubscriptionRecord, expectedVersion: number): Promise<void> {
    const { revision, value } = await this.head(next.tenantId, next.id);
    if (!value || isTombstone(value)) throw new SubscriptionNotFoundError(next.id);
    if (value.version !== expectedVersion) throw new VersionConflictError(next.id, expectedVersion, value.version);
    if (!(await this.write(next.tenantId, next.id, revision + 1, next))) {
      const now = await this.get(next.tenantId, next.id);
      throw new VersionConflictError(next.id, expectedVersion, now?.version ?? null);
    }
  }

  async delete(tenantId: string, id: string, expectedVersion: number): Promise<void> {
    const { revision, value } = await this.head(tenantId, id);
    if (!value || isTombstone(value)) throw new SubscriptionNotFoundError(id);
    if (value.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion, value.version);
    if (!(await this.write(tenantId, id, revision + 1, { deleted: true, version: value.version + 1 }))) {
      const now = await this.get(tenantId, id);
      throw new VersionConflictError(id, expectedVersion, now?.version ?? null);
    }
  }

  async *scan(): AsyncIterable<SubscriptionRecord> {
    const heads = new Map<string, number>();
    for (const object of await this.objects.list(ROOT)) {
      const [tenantId, id, file] = object.key.slice(ROOT.length).split('/');
      const m = file ? REVISION.exec(file) : null;
      if (!tenantId || !id || !m) continue;
      const key = `${tenantId}/${id}`;
      heads.set(key, Math.max(heads.get(key) ?? 0, Number(m[1])));
    }
    for (const [key, revision] of [...heads].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [tenantId, id] = key.split('/') as [string, string];
      const value = await this.read(tenantId, id, revision);
      if (value && !isTombstone(value)) yield value;
    }
  }
}
