import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPeriod } from '../src/core/closed-period.ts';
import type { Mailer } from '../src/core/mailer.port.ts';
import { SesMailer } from '../src/aws/ses-mailer.ts';
import { duckDbEngineFactory } from '../src/local/duckdb-engine.ts';
import { FolderReportStore } from '../src/local/folder-report-store.ts';
import {
  DeliveryInDoubtError,
  runSubscription,
  type PipelineDeps,
  type SubscriptionRun,
} from '../src/pipeline/run-subscription.ts';
import { removeDir, tempDir, writeLake } from './support/lake-builder.ts';
import { startSesLocal, type LocalSes } from './support/local-aws.ts';
import { oneContactLake } from './support/rows.ts';

describe('the period that has just closed', () => {
  const at = (iso: string) => new Date(iso);
  it.each([
    ['weekly', 'America/Sao_Paulo', '2026-11-23T11:00:00Z', { start: '2026-11-16', end: '2026-11-22' }],
    ['weekly', 'America/Sao_Paulo', '2026-11-23T02:00:00Z', { start: '2026-11-09', end: '2026-11-15' }], // still Sunday locally
    ['daily', 'America/Sao_Paulo', '2026-11-23T02:59:00Z', { start: '2026-11-21', end: '2026-11-21' }],
    ['daily', 'Asia/Tokyo', '2026-11-22T15:00:00Z', { start: '2026-11-22', end: '2026-11-22' }],
    ['monthly', 'America/Sao_Paulo', '2026-12-01T10:00:00Z', { start: '2026-11-01', end: '2026-11-30' }],
    ['monthly', 'America/New_York', '2026-03-01T05:30:00Z', { start: '2026-02-01', end: '2026-02-28' }],
  ] as const)('%s in %s at %s', (cadence, zone, instant, expected) => {
    expect(closedPeriod(cadence, zone, at(instant))).toEqual(expected);
  });
});

describe('a scheduled run', () => {
  let work: string;
  let ses: LocalSes;
  let lake: string;
  let store: FolderReportStore;
  let deps: PipelineDeps;
  const subscription: SubscriptionRun = {
    id: 'acme-weekly',
    tenantId: 'acme',
    cadence: 'weekly',
    timezone: 'America/Sao_Paulo',
    recipients: ['ana@acme.example.com'],
    locale: 'pt-BR',
  };
  const monday = new Date('2026-11-23T11:00:00Z');
  let run = 0;

  beforeAll(async () => {
    ses = await startSesLocal();
    work = tempDir();
    lake = await writeLake(path.join(work, 'lake'), oneContactLake(), 'parquet');
  });
  afterAll(async () => {
    await ses?.stop();
    removeDir(work);
  });
  beforeEach(() => {
    store = new FolderReportStore({ root: path.join(work, `archive-${++run}`) });
    deps = {
      openEngine: duckDbEngineFactory({ lakeDir: lake }),
      store,
      mailer: new SesMailer({ client: ses.client }),
      sender: 'reports@example.com',
      now: () => new Date(),
      reportLink: async (_tenant, key) => `https://reports.example.com/${key}`,
    };
  });

  it('reports the week that just closed, archives it, sends the digest and records the run', async () => {
    const record = await runSubscription(subscription, monday, deps);

    expect(record).toMatchObject({ status: 'sent', period: { start: '2026-11-16', end: '2026-11-22' } });
    const keys = (await store.list('tenants/acme/')).map((o) => o.key);
    const prefix = 'tenants/acme/reports/acme-weekly--2026-11-16_2026-11-22/';
    for (const file of [
      'metrics.json',
      'report.html',
      'email.eml',
      'charts/message-funnel.png',
      'data/sales-heatmap.csv',
    ]) {
      expect(keys).toContain(prefix + file);
    }
    const metrics = JSON.parse(String(await store.get(prefix + 'metrics.json')));
    expect(metrics.kpis.reachedContacts.value).toBe(1);
    const history = keys.filter((k) => k.startsWith('tenants/acme/runs/acme-weekly/2026-11-16_2026-11-22/'));
    expect(history).toHaveLength(1);
    expect(JSON.parse(String(await store.get(history[0]!)))).toMatchObject({
      status: 'sent',
      messageId: record.messageId,
    });
    const sent = (await ses.emails()).find((e) => e.messageId === record.messageId);
    expect(sent?.subject).toBe('Comportamento dos contatos · acme · 16/11/2026 – 22/11/2026');
  });

  /** The real SES mailer, counting what it accepted. */
  function countingMailer(): Mailer & { sent: string[] } {
    const sent: string[] = [];
    return {
      sent,
      sendRaw: async (message, envelope) => {
        const result = await deps.mailer.sendRaw(message, envelope);
        sent.push(result.messageId);
        return result;
      },
    };
  }

  it('never sends a second email for the same subscription and period', async () => {
    const mailer = countingMailer();
    const other = { ...subscription, id: 'twice' };
    const first = await runSubscription(other, monday, { ...deps, mailer });
    const second = await runSubscription(other, new Date('2026-11-23T11:05:00Z'), { ...deps, mailer });
    const [a, b] = await Promise.all([
      runSubscription({ ...subscription, id: 'racing' }, monday, { ...deps, mailer }),
      runSubscription({ ...subscription, id: 'racing' }, monday, { ...deps, mailer }),
    ]);

    expect(first.status).toBe('sent');
    expect(second).toMatchObject({ status: 'duplicate', messageId: first.messageId });
    expect([a.status, b.status].sort()).toEqual(['duplicate', 'sent']);
    expect(mailer.sent).toHaveLength(2); // one for 'twice', one for 'racing'
    const history = (await store.list('tenants/acme/runs/twice/')).map((o) => o.key);
    expect(history).toHaveLength(2);
  });

  it('once the mailer has accepted the digest, a failing store cannot make a retry send it again', async () => {
    const mailer = countingMailer();
    const sub = { ...subscription, id: 'after-send' };
    let failWrites = false;
    let failedWrites = 0;
    const flakyStore = Object.create(store) as FolderReportStore;
    flakyStore.put = async (key, body, type) => {
      if (failWrites && !key.includes('/reports/')) {
        failedWrites++;
        throw new Error('S3 is unavailable');
      }
      return store.put(key, body, type);
    };
    flakyStore.putIfAbsent = async (key, body, type) => {
      const created = await store.putIfAbsent(key, body, type);
      failWrites = true; // the marker is claimed: every later write (marker update, history) fails
      return created;
    };

    const first = await runSubscription(sub, monday, { ...deps, store: flakyStore, mailer });
    failWrites = false;
    const retry = await runSubscription(sub, monday, { ...deps, mailer });

    expect(failedWrites).toBeGreaterThan(0); // the marker update and the history record after the send
    expect(first.status).toBe('sent');
    expect(retry.status).toBe('duplicate');
    expect(mailer.sent).toHaveLength(1);
  });

  it('a delivery left "sending" by a run that died is in doubt: the run fails and sends nothing', async () => {
    const mailer = countingMailer();
    const sub = { ...subscription, id: 'died' };
    const marker = 'tenants/acme/deliveries/died/2026-11-16_2026-11-22.json';
    await store.put(
      marker,
      JSON.stringify({ status: 'sending', at: '2026-11-23T11:00:05Z', reportKey: 'x' }),
      'application/json',
    );
    const later = { ...deps, mailer, now: () => new Date('2026-11-23T11:30:00Z') };

    await expect(runSubscription(sub, monday, later)).rejects.toThrow(DeliveryInDoubtError);
    const soon = { ...deps, mailer, now: () => new Date('2026-11-23T11:05:00Z') };
    expect((await runSubscription(sub, monday, soon)).status).toBe('duplicate'); // still in flight elsewhere
    expect(mailer.sent).toEqual([]);
  });

  it('sends nothing when the report fails, and records why', async () => {
    const ghost = { ...subscription, id: 'ghost', tenantId: 'ghost' };
    await expect(runSubscription(ghost, monday, deps)).rejects.toThrow(/unknown tenant "ghost"/);
    const keys = (await store.list('tenants/ghost/')).map((o) => o.key);
    expect(keys.filter((k) => k.includes('/deliveries/'))).toEqual([]);
    const record = JSON.parse(String(await store.get(keys.find((k) => k.includes('/runs/'))!)));
    expect(record).toMatchObject({ status: 'failed', error: expect.stringContaining('unknown tenant') });
  });

  it('releases the delivery after a failed send, so the retry sends exactly once', async () => {
    let calls = 0;
    const flaky: Mailer = {
      sendRaw: async (message, envelope) => {
        if (++calls === 1) throw new Error('SES is throttling');
        return deps.mailer.sendRaw(message, envelope);
      },
    };
    const sub = { ...subscription, id: 'flaky' };
    await expect(runSubscription(sub, monday, { ...deps, mailer: flaky })).rejects.toThrow('SES is throttling');
    const retried = await runSubscription(sub, monday, { ...deps, mailer: flaky });

    expect(retried.status).toBe('sent');
    expect(calls).toBe(2);
    const records = await store.list('tenants/acme/runs/flaky/');
    const statuses = await Promise.all(records.map(async (o) => JSON.parse(String(await store.get(o.key))).status));
    expect(statuses.sort()).toEqual(['failed', 'sent']);
    expect(await ses.emails()).toContainEqual(expect.objectContaining({ messageId: retried.messageId }));
  });

  it('archives an email whose link points at the archived page', async () => {
    const record = await runSubscription({ ...subscription, id: 'link' }, monday, deps);
    const eml = readFileSync(path.join(store.root, record.reportKey.replace('report.html', 'email.eml')));
    const mail = await simpleParser(eml);
    expect(mail.text).toContain(`https://reports.example.com/${record.reportKey}`);
    expect(String(mail.html)).toContain(`href="https://reports.example.com/${record.reportKey}"`);
  });
});
