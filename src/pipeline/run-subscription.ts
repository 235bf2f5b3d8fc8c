import { closedPeriod, type Cadence } from '../core/closed-period.ts';
import { generateReport } from '../core/generate-report.ts';
import type { Mailer } from '../core/mailer.port.ts';
import type { EngineFactory } from '../core/query-engine.port.ts';
import { contentTypeOf, type ReportStore } from '../core/report-store.port.ts';
import { parseReportRequest } from '../core/report-request.ts';
import type { Locale } from '../render/i18n.ts';
import { renderReport } from '../render/render-report.ts';

export interface SubscriptionRun {
  id: string;
  tenantId: string;
  cadence: Cadence;
  timezone: string;
  recipients: string[];
  locale: Locale;
}

export interface PipelineDeps {
  openEngine: EngineFactory;
  store: ReportStore;
  mailer: Mailer;
  sender: string;
  now: () => Date;
  /** The link a reader follows to the archived page (signed in production, file:// locally). */
  reportLink: (tenantId: string, reportKey: string) => Promise<string>;
}

export type RunStatus = 'sent' | 'duplicate' | 'failed';

/** What every run leaves behind, whatever happened. */
export interface RunRecord {
  subscriptionId: string;
  tenantId: string;
  period: { start: string; end: string };
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  reportKey: string;
  bytesScanned?: number;
  queryMs?: number;
  messageId?: string;
  error?: string;
}

export const reportPrefix = (tenantId: string, reportId: string) => `tenants/${tenantId}/reports/${reportId}/`;
const deliveryKey = (sub: SubscriptionRun, period: { start: string; end: string }) =>
  `tenants/${sub.tenantId}/deliveries/${sub.id}/${period.start}_${period.end}.json`;
const historyKey = (sub: SubscriptionRun, period: { start: string; end: string }, startedAt: string) =>
  `tenants/${sub.tenantId}/runs/${sub.id}/${period.start}_${period.end}/${startedAt.replace(/[:.]/g, '')}.json`;

/**
 * One scheduled run: the period that just closed → metrics → rendered report archived → the digest sent
 * at most once. A delivery marker taken with a conditional write guards the send, so a retried or
 * duplicated invocation for the same subscription and period never sends a second email. A failure
 * before the send releases nothing and sends nothing; a failed send releases the marker so a retry can
 * send. Every run writes a history record. Failures are rethrown so the scheduler retries.
 */
export async function runSubscription(sub: SubscriptionRun, scheduledAt: Date, deps: PipelineDeps): Promise<RunRecord> {
  const started = deps.now();
  const period = closedPeriod(sub.cadence, sub.timezone, scheduledAt);
  const reportId = `${sub.id}--${period.start}_${period.end}`;
  const prefix = reportPrefix(sub.tenantId, reportId);
  const record: RunRecord = {
    subscriptionId: sub.id,
    tenantId: sub.tenantId,
    period,
    status: 'failed',
    startedAt: started.toISOString(),
    finishedAt: '',
    durationMs: 0,
    reportKey: `${prefix}report.html`,
  };
  const finish = async (status: RunStatus, extra: Partial<RunRecord> = {}) => {
    const finished = deps.now();
    Object.assign(record, extra, {
      status,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
    });
    await deps.store.put(
      historyKey(sub, period, record.startedAt),
      JSON.stringify(record, null, 2),
      contentTypeOf('.json'),
    );
    return record;
  };

  const marker = deliveryKey(sub, period);
  if (await deps.store.get(marker)) return finish('duplicate');

  let claimed = false;
  try {
    const request = parseReportRequest({ tenantId: sub.tenantId, timezone: sub.timezone, ...period });
    const metrics = await generateReport(request, deps.openEngine);
    const scanned = metrics.execution.queries.filter((q) => q.bytesScanned !== undefined);
    if (scanned.length) record.bytesScanned = scanned.reduce((sum, q) => sum + q.bytesScanned!, 0);
    record.queryMs = metrics.execution.totalMs;
    const rendered = await renderReport(metrics, {
      locale: sub.locale,
      reportUrl: await deps.reportLink(sub.tenantId, record.reportKey),
      from: deps.sender,
      to: sub.recipients,
      now: deps.now(),
    });
    for (const [name, body] of rendered.files) await deps.store.put(prefix + name, body, contentTypeOf(name));

    claimed = await deps.store.putIfAbsent(
      marker,
      JSON.stringify({ status: 'sending', reportKey: record.reportKey, at: deps.now().toISOString() }),
      contentTypeOf('.json'),
    );
    if (!claimed) return await finish('duplicate');
    const { messageId } = await deps.mailer.sendRaw(rendered.eml, { from: deps.sender, to: sub.recipients });
    await deps.store.put(
      marker,
      JSON.stringify({ status: 'sent', reportKey: record.reportKey, messageId, at: deps.now().toISOString() }),
      contentTypeOf('.json'),
    );
    return await finish('sent', { messageId });
  } catch (error) {
    if (claimed) await deps.store.delete(marker);
    await finish('failed', { error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
