import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderReportStore } from '../src/local/folder-report-store.ts';
import { ObjectSubscriptionStore } from '../src/local/object-subscription-store.ts';
import { createSubscription, updateSubscription } from '../src/core/subscriptions/manage.ts';
import { ctx, subscriptionStoreContract, WEEKLY_INPUT } from './support/subscription-store-contract.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function folder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'subscriptions-'));
  dirs.push(dir);
  return dir;
}

subscriptionStoreContract(
  'the local folder',
  async () => new ObjectSubscriptionStore(new FolderReportStore({ root: await folder() })),
);

describe('the local folder store', () => {
  it('keeps every revision as a file: the audit trail of who changed what', async () => {
    const root = await folder();
    const objects = new FolderReportStore({ root });
    const store = new ObjectSubscriptionStore(objects);
    await createSubscription(store, WEEKLY_INPUT, ctx('acme'));
    await updateSubscription(store, 'acme-weekly', 1, { locale: 'en' }, ctx('acme', 'b@acme.example.com'));
    await store.delete('acme', 'acme-weekly', 2);
    const keys = (await objects.list('subscriptions/acme/acme-weekly/')).map((o) => o.key);
    expect(keys).toEqual([
      'subscriptions/acme/acme-weekly/0000000001.json',
      'subscriptions/acme/acme-weekly/0000000002.json',
      'subscriptions/acme/acme-weekly/0000000003.json',
    ]);
    const second = JSON.parse((await objects.get(keys[1]!))!.toString());
    expect(second).toMatchObject({ version: 2, locale: 'en', updatedBy: 'b@acme.example.com' });
    expect(JSON.parse((await objects.get(keys[2]!))!.toString())).toEqual({ deleted: true, version: 3 });
  });

  it('sees a change made by another process (another store over the same folder)', async () => {
    const root = await folder();
    const a = new ObjectSubscriptionStore(new FolderReportStore({ root }));
    const b = new ObjectSubscriptionStore(new FolderReportStore({ root }));
    await createSubscription(a, WEEKLY_INPUT, ctx('acme'));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        updateSubscription(i % 2 ? a : b, 'acme-weekly', 1, { name: `n${i}` }, ctx('acme')),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await b.get('acme', 'acme-weekly'))?.version).toBe(2);
  });
});
