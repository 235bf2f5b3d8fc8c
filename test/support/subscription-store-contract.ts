import { describe, expect, it } from 'vitest';
import {
  createSubscription,
  setPaused,
  setRecipientStatus,
  suppressAddress,
  updateSubscription,
  type ChangeContext,
} from '../../src/core/subscriptions/manage.ts';
import {
  SubscriptionExistsError,
  SubscriptionNotFoundError,
  VersionConflictError,
  type SubscriptionStore,
} from '../../src/core/subscriptions/subscription-store.port.ts';

export const WEEKLY_INPUT = {
  id: 'acme-weekly',
  name: 'Weekly marketing digest',
  schedule: { cadence: 'weekly', weekday: 1, time: '08:00', timezone: 'America/Sao_Paulo' },
  locale: 'pt-BR',
  recipients: ['marketing@acme.example.com', 'CX-Lead@acme.example.com'],
};

export const ctx = (
  tenantId: string,
  actor = 'admin@acme.example.com',
  at = '2026-11-20T14:00:00Z',
): ChangeContext => ({
  tenantId,
  actor,
  now: new Date(at),
});

/** The behaviour every SubscriptionStore adapter must show; `fresh` gives an empty store. */
export function subscriptionStoreContract(name: string, fresh: () => Promise<SubscriptionStore>): void {
  describe(`${name}: the subscription store contract`, () => {
    it('creates version 1 with audit fields and the next send, and reads it back', async () => {
      const store = await fresh();
      const created = await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      expect(created).toMatchObject({
        tenantId: 'acme',
        id: 'acme-weekly',
        version: 1,
        paused: false,
        createdAt: '2026-11-20T14:00:00.000Z',
        createdBy: 'admin@acme.example.com',
        updatedAt: '2026-11-20T14:00:00.000Z',
        updatedBy: 'admin@acme.example.com',
        nextRunAt: '2026-11-23T11:00:00.000Z',
        recipients: [
          { email: 'marketing@acme.example.com', status: 'active' },
          { email: 'cx-lead@acme.example.com', status: 'active' },
        ],
      });
      expect(await store.get('acme', 'acme-weekly')).toEqual(created);
    });

    it('refuses a second create with the same id, in the same tenant only', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      await expect(createSubscription(store, WEEKLY_INPUT, ctx('acme'))).rejects.toBeInstanceOf(
        SubscriptionExistsError,
      );
      const other = await createSubscription(store, WEEKLY_INPUT, ctx('globex', 'ops@globex.example.com'));
      expect(other.tenantId).toBe('globex');
      expect((await store.get('acme', 'acme-weekly'))?.createdBy).toBe('admin@acme.example.com');
    });

    it('keeps tenants apart: another tenant’s id is unknown for reads and writes', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      expect(await store.get('globex', 'acme-weekly')).toBeNull();
      expect((await store.list('globex', { limit: 10 })).items).toEqual([]);
      await expect(updateSubscription(store, 'acme-weekly', 1, { locale: 'en' }, ctx('globex'))).rejects.toBeInstanceOf(
        SubscriptionNotFoundError,
      );
      await expect(store.delete('globex', 'acme-weekly', 1)).rejects.toBeInstanceOf(SubscriptionNotFoundError);
      expect((await store.get('acme', 'acme-weekly'))?.version).toBe(1);
    });

    it('of two updates naming the same version, exactly one wins; the other is a conflict', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      const results = await Promise.allSettled([
        updateSubscription(store, 'acme-weekly', 1, { name: 'first' }, ctx('acme', 'a@acme.example.com')),
        updateSubscription(store, 'acme-weekly', 1, { name: 'second' }, ctx('acme', 'b@acme.example.com')),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
      const stored = await store.get('acme', 'acme-weekly');
      expect(stored?.version).toBe(2);
      expect(stored?.name).toBe((won[0] as PromiseFulfilledResult<{ name: string }>).value.name);
    });

    it('refuses an update or delete naming a stale version and says which is current', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      await updateSubscription(store, 'acme-weekly', 1, { locale: 'en' }, ctx('acme'));
      const stale = await updateSubscription(store, 'acme-weekly', 1, { name: 'x' }, ctx('acme')).catch((e) => e);
      expect(stale).toBeInstanceOf(VersionConflictError);
      expect(stale.currentVersion).toBe(2);
      await expect(store.delete('acme', 'acme-weekly', 1)).rejects.toBeInstanceOf(VersionConflictError);
      expect((await store.get('acme', 'acme-weekly'))?.locale).toBe('en');
    });

    it('records who changed what and when; a schedule edit moves the next send, a name edit does not', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      const renamed = await updateSubscription(
        store,
        'acme-weekly',
        1,
        { name: 'Renamed' },
        ctx('acme', 'b@x.com', '2026-11-23T10:59:00Z'),
      );
      expect(renamed).toMatchObject({ version: 2, updatedBy: 'b@x.com', updatedAt: '2026-11-23T10:59:00.000Z' });
      expect(renamed.createdBy).toBe('admin@acme.example.com');
      expect(renamed.nextRunAt).toBe('2026-11-23T11:00:00.000Z');
      const moved = await updateSubscription(
        store,
        'acme-weekly',
        2,
        { schedule: { cadence: 'weekly', weekday: 3, time: '08:00', timezone: 'America/Sao_Paulo' } },
        ctx('acme', 'b@x.com', '2026-11-23T10:59:30Z'),
      );
      expect(moved.nextRunAt).toBe('2026-11-25T11:00:00.000Z');
    });

    it('pauses (no next send) and resumes (next due from now); pausing twice is one change', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      const paused = await setPaused(store, 'acme-weekly', true, ctx('acme'));
      expect(paused).toMatchObject({ paused: true, version: 2 });
      expect(paused.nextRunAt).toBeUndefined();
      expect((await setPaused(store, 'acme-weekly', true, ctx('acme'))).version).toBe(2);
      const resumed = await setPaused(store, 'acme-weekly', false, ctx('acme', 'a@x.com', '2026-11-24T00:00:00Z'));
      expect(resumed).toMatchObject({ paused: false, version: 3, nextRunAt: '2026-11-30T11:00:00.000Z' });
    });

    it('marks one recipient unsubscribed once, keeps it, and an admin edit keeps the status', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      const c = ctx('acme', 'unsubscribe-link', '2026-11-24T09:00:00Z');
      expect(await setRecipientStatus(store, 'acme-weekly', 'CX-LEAD@acme.example.com', 'unsubscribed', c)).toBe(true);
      expect(await setRecipientStatus(store, 'acme-weekly', 'cx-lead@acme.example.com', 'unsubscribed', c)).toBe(false);
      expect(await setRecipientStatus(store, 'acme-weekly', 'nobody@acme.example.com', 'unsubscribed', c)).toBe(false);
      expect(await setRecipientStatus(store, 'gone', 'cx-lead@acme.example.com', 'unsubscribed', c)).toBe(false);
      const after = await updateSubscription(
        store,
        'acme-weekly',
        2,
        { recipients: ['cx-lead@acme.example.com', 'new@acme.example.com'] },
        ctx('acme'),
      );
      expect(after.recipients).toEqual([
        { email: 'cx-lead@acme.example.com', status: 'unsubscribed', statusChangedAt: '2026-11-24T09:00:00.000Z' },
        { email: 'new@acme.example.com', status: 'active' },
      ]);
    });

    it('suppresses an address on every subscription of its tenant, and only there', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      await createSubscription(
        store,
        {
          ...WEEKLY_INPUT,
          id: 'acme-daily',
          schedule: { cadence: 'daily', time: '07:30', timezone: 'America/Sao_Paulo' },
        },
        ctx('acme'),
      );
      await createSubscription(store, WEEKLY_INPUT, ctx('globex'));
      const changed = await suppressAddress(store, 'marketing@acme.example.com', ctx('acme', 'bounce-handler'));
      expect(changed.sort()).toEqual(['acme-daily', 'acme-weekly']);
      expect((await store.get('acme', 'acme-daily'))?.recipients[0]?.status).toBe('suppressed');
      expect((await store.get('globex', 'acme-weekly'))?.recipients[0]?.status).toBe('active');
    });

    it('deletes with the current version; the id can be created again afresh', async () => {
      const store = await fresh();
      await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      await store.delete('acme', 'acme-weekly', 1);
      expect(await store.get('acme', 'acme-weekly')).toBeNull();
      await expect(store.delete('acme', 'acme-weekly', 1)).rejects.toBeInstanceOf(SubscriptionNotFoundError);
      const again = await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
      expect(again.version).toBe(1);
    });

    it('lists a tenant’s subscriptions in id order, page by page, and scans every tenant', async () => {
      const store = await fresh();
      for (const id of ['c-three', 'a-one', 'b-two'])
        await createSubscription(store, { ...WEEKLY_INPUT, id }, ctx('acme'));
      await createSubscription(store, { ...WEEKLY_INPUT, id: 'z-globex' }, ctx('globex'));
      await store.delete('acme', 'b-two', 1);
      const first = await store.list('acme', { limit: 1 });
      expect(first.items.map((s) => s.id)).toEqual(['a-one']);
      const second = await store.list('acme', { limit: 5, cursor: first.nextCursor! });
      expect(second.items.map((s) => s.id)).toEqual(['c-three']);
      expect(second.nextCursor).toBeUndefined();
      const all: string[] = [];
      for await (const s of store.scan()) all.push(`${s.tenantId}/${s.id}`);
      expect(all.sort()).toEqual(['acme/a-one', 'acme/c-three', 'globex/z-globex']);
    });

    it('derives an id from the name when none is given, with a suffix when it is taken', async () => {
      const store = await fresh();
      const { id: _id, ...noId } = WEEKLY_INPUT;
      const first = await createSubscription(store, { ...noId, name: 'Relatório Semanal!' }, ctx('acme'));
      const second = await createSubscription(store, { ...noId, name: 'Relatório Semanal!' }, ctx('acme'));
      expect(first.id).toBe('relatorio-semanal');
      expect(second.id).toMatch(/^relatorio-semanal-[0-9a-f]{8}$/);
    });
  });
}
