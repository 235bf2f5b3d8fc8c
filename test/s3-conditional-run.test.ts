import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../src/core/mailer.port.ts';
import { S3ReportStore } from '../src/aws/s3-report-store.ts';
import { duckDbEngineFactory } from '../src/local/duckdb-engine.ts';
import { runSubscription, type SubscriptionRun } from '../src/pipeline/run-subscription.ts';
import { startConditionalS3 } from './support/conditional-s3.ts';
import { removeDir, tempDir, writeLake } from './support/lake-builder.ts';
import { startS3rver, type LocalS3 } from './support/local-aws.ts';
import { oneContactLake } from './support/rows.ts';

describe('exactly once on S3 (s3rver behind a conditional-write double)', () => {
  let s3: LocalS3;
  let conditional: Awaited<ReturnType<typeof startConditionalS3>>;
  let store: S3ReportStore;
  let work: string;
  let lake: string;

  beforeAll(async () => {
    s3 = await startS3rver({ bucket: 'reports' });
    conditional = await startConditionalS3(s3.endpoint);
    store = new S3ReportStore({ client: conditional.client, bucket: 'reports', prefix: 'archive/' });
    work = tempDir();
    lake = await writeLake(path.join(work, 'lake'), oneContactLake(), 'parquet');
  });
  afterAll(async () => {
    await conditional?.stop();
    await s3?.stop();
    removeDir(work);
  });

  it('the double answers a second conditional write with 412, so putIfAbsent is false', async () => {
    expect(await store.putIfAbsent('probe/once.json', '{}', 'application/json')).toBe(true);
    expect(await store.putIfAbsent('probe/once.json', '{"again":1}', 'application/json')).toBe(false);
    expect(String(await store.get('probe/once.json'))).toBe('{}');
  });

  it('racing and repeated runs of one subscription and period send one digest', async () => {
    const sent: string[] = [];
    const mailer: Mailer = { sendRaw: async () => ({ messageId: `m-${sent.push('x')}` }) };
    const sub: SubscriptionRun = {
      id: 'acme-weekly',
      tenantId: 'acme',
      cadence: 'weekly',
      timezone: 'America/Sao_Paulo',
      recipients: ['ana@acme.example.com'],
      locale: 'pt-BR',
    };
    const deps = {
      openEngine: duckDbEngineFactory({ lakeDir: lake }),
      store,
      mailer,
      sender: 'reports@example.com',
      now: () => new Date(),
      reportLink: async (_t: string, key: string) => `https://reports.example.com/${key}`,
    };
    const monday = new Date('2026-11-23T11:00:00Z');

    const racing = await Promise.all([runSubscription(sub, monday, deps), runSubscription(sub, monday, deps)]);
    const retried = await runSubscription(sub, monday, deps);

    expect(racing.map((r) => r.status).sort()).toEqual(['duplicate', 'sent']);
    expect(retried.status).toBe('duplicate');
    expect(sent).toHaveLength(1);
    const marker = JSON.parse(
      String(await store.get('tenants/acme/deliveries/acme-weekly/2026-11-16_2026-11-22.json')),
    );
    expect(marker).toMatchObject({ status: 'sent', messageId: 'm-1' });
  });
});
