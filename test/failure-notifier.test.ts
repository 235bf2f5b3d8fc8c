import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyExhaustedRun } from '../lambdas/failure-notifier.ts';
import { SesMailer } from '../src/aws/ses-mailer.ts';
import { parseSubscriptions } from '../src/core/subscription.ts';
import { startSesLocal, type LocalSes } from './support/local-aws.ts';

/** The test's own subscriptions: editing the deployed list cannot break these tests. */
const subscriptions = parseSubscriptions([
  {
    id: 'acme-weekly',
    tenantId: 'acme',
    cadence: 'weekly',
    sendAt: '08:00',
    timezone: 'America/Sao_Paulo',
    recipients: ['marketing@acme.example.com'],
    locale: 'pt-BR',
  },
  {
    id: 'globex-monthly',
    tenantId: 'globex',
    cadence: 'monthly',
    sendAt: '09:15',
    timezone: 'America/New_York',
    recipients: ['growth@globex.example.com'],
    locale: 'en',
  },
]);

describe('the failure notifier (Lambda on-failure destination)', () => {
  let ses: LocalSes;
  beforeAll(async () => {
    ses = await startSesLocal();
  });
  afterAll(() => ses?.stop());

  const record = (subscriptionId: string) => ({
    version: '1.0',
    timestamp: '2026-11-23T13:00:00.000Z',
    requestContext: {
      requestId: 'r-1',
      functionArn: 'arn:aws:lambda:sa-east-1:1:function:report',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: { subscriptionId, scheduledAt: '2026-11-23T11:00:00Z' },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: 'QueryError',
      errorMessage: 'query contact_base: Athena query q-1 failed: HIVE_BAD_DATA',
    },
  });

  it("tells the subscription's admins, through SES, that the period's report failed and why", async () => {
    const deps = { mailer: new SesMailer({ client: ses.client }), sender: 'reports@example.com', subscriptions };
    const { messageId } = await notifyExhaustedRun(record('acme-weekly'), deps);

    const sent = (await ses.emails()).find((e) => e.messageId === messageId)!;
    expect(sent.subject).toBe('[Falha] Relatório de comportamento dos contatos · acme · 2026-11-16 – 2026-11-22');
    expect(sent.body.text).toContain('QueryError after 3 attempts (reference r-1)');
    expect(sent.body.text).not.toContain('HIVE_BAD_DATA'); // internals stay in the logs
    expect(sent.destination.to.join(',')).toContain('marketing@acme.example.com');
  });

  it('refuses a record that is not a failed report run', async () => {
    const deps = { mailer: new SesMailer({ client: ses.client }), sender: 'reports@example.com', subscriptions };
    await expect(notifyExhaustedRun({ hello: 'world' }, deps)).rejects.toThrow(/invalid failure record/);
    await expect(notifyExhaustedRun(record('nobody'), deps)).rejects.toThrow(/unknown subscription "nobody"/);
  });

  it('builds a plain MIME message that parses', async () => {
    let raw: Buffer | undefined;
    const capture = { sendRaw: async (message: Buffer) => ((raw = message), { messageId: 'm-1' }) };
    await notifyExhaustedRun(record('globex-monthly'), {
      mailer: capture,
      sender: 'reports@example.com',
      subscriptions,
    });
    const mail = await simpleParser(raw!);
    expect(mail.subject).toBe('[Failed] Contact behavior report · globex · 2026-10-01 – 2026-10-31');
  });
});
