import { deliveryKey, reportHtmlKey, reportPrefix, runRecordKey, scheduledReportId } from '../core/archive-layout.ts';
import { closedPeriod, type Cadence } from '../core/closed-period.ts';
import { generateReport } from '../core/generate-report.ts';
import type { Mailer } from '../core/mailer.port.ts';
import type { EngineFactory } from '../core/query-engine.port.ts';
import { contentTypeOf, type ReportStore } from '../core/report-store.port.ts';
import { parseReportRequest } from '../core/report-request.ts';
import type { Locale } from '../core/locale.ts';
import { renderReport } from '../render/render-report.ts';
import { archiveReport } from './archive.ts';
import { rendererWarmedUp, warmUpWhileQueriesRun } from '../render/warm-up.ts';

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

/** A delivery claimed this long ago and still "sending" belongs to a run that died mid-send (Lambda runs ≤ 5 min). */
export const IN_DOUBT_AFTER_MS = 15 * 60 * 1000;

/** The digest of this period may or may not have gone out: never resend, tell the admins. */
export class DeliveryInDoubtError extends Error {
  override name = 'DeliveryInDoubtError';
}

interface DeliveryMarker {
  status: 'sending' | 'sent';
  at: string;
  reportKey: string;
  messageId?: string;
}

/** Writes that only record what happened: a failure is logged, never allowed to undo a delivery. */
async function bestEffort(what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    console.error(JSON.stringify({ message: `could not ${what}`, error: String(error) }));
  }
}

/**
 * One scheduled run: the period that just closed → metrics → rendered report archived → the digest sent
 * at most once. A delivery marker taken with a conditional write guards the send, so a retried or
 * duplicated invocation for the same subscription and period never sends a second email. A failure
 * before the send releases the marker (the retry may send); once the mailer has accepted the message
 * nothing releases it. A marker left "sending" by a run that died mid-send is in doubt: the run fails
 * (so the admins are told) and never resends. Every run writes a history record.
 */
export async function runSubscription(sub: SubscriptionRun, scheduledAt: Date, deps: PipelineDeps): Promise<RunRecord> {
  const started = deps.now();
  const period = closedPeriod(sub.cadence, sub.timezone, scheduledAt);
  const reportId = scheduledReportId(sub.id, period);
  const prefix = reportPrefix(sub.tenantId, reportId);
  const record: RunRecord = {
    subscriptionId: sub.id,
    tenantId: sub.tenantId,
    period,
    status: 'failed',
    startedAt: started.toISOString(),
    finishedAt: '',
    durationMs: 0,
    reportKey: reportHtmlKey(sub.tenantId, reportId),
  };
  const finish = async (status: RunStatus, extra: Partial<RunRecord> = {}) => {
    const finished = deps.now();
    Object.assign(record, extra, {
      status,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
    });
    const key = runRecordKey(sub.tenantId, sub.id, period, record.startedAt);
    await bestEffort(`write the run record ${key}`, () =>
      deps.store.put(key, JSON.stringify(record, null, 2), contentTypeOf('.json')),
    );
    return record;
  };
  const writeMarker = (marker: DeliveryMarker) => JSON.stringify(marker);

  const markerKey = deliveryKey(sub.tenantId, sub.id, period);
  const existing = await deps.store.get(markerKey);
  if (existing) {
    const marker = parseMarker(existing);
    const age = marker ? deps.now().getTime() - Date.parse(marker.at) : Infinity;
    if (marker?.status === 'sent' || (marker?.status === 'sending' && age < IN_DOUBT_AFTER_MS)) {
      return finish('duplicate', marker.messageId ? { messageId: marker.messageId } : {});
    }
    const error = new DeliveryInDoubtError(
      `the digest for ${period.start}..${period.end} was being sent by an earlier run that did not finish; ` +
        'it may or may not have been delivered, so it is not sent again',
    );
    await finish('failed', { error: error.message });
    throw error;
  }

  let claimed = false;
  try {
    const request = parseReportRequest({ tenantId: sub.tenantId, timezone: sub.timezone, ...period });
    const metrics = await generateReport(request, deps.openEngine, { onQueriesStarted: warmUpWhileQueriesRun });
    await rendererWarmedUp();
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
    await archiveReport(deps.store, prefix, rendered.files);

    const at = deps.now().toISOString();
    claimed = await deps.store.putIfAbsent(
      markerKey,
      writeMarker({ status: 'sending', at, reportKey: record.reportKey }),
      contentTypeOf('.json'),
    );
    if (!claimed) return await finish('duplicate');
    const { messageId } = await deps.mailer.sendRaw(rendered.eml, { from: deps.sender, to: sub.recipients });
    // Delivered: from here on nothing may fail the run, or a retry would send it again.
    claimed = false;
    await bestEffort(`record the delivery ${markerKey}`, () =>
      deps.store.put(
        markerKey,
        writeMarker({ status: 'sent', at, reportKey: record.reportKey, messageId }),
        contentTypeOf('.json'),
      ),
    );
    return await finish('sent', { messageId });
  } catch (error) {
    if (claimed) await bestEffort(`release the delivery ${markerKey}`, () => deps.store.delete(markerKey));
    await finish('failed', { error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

function parseMarker(bytes: Buffer): DeliveryMarker | null {
  try {
    const marker = JSON.parse(bytes.toString('utf8')) as DeliveryMarker;
    return (marker.status === 'sent' || marker.status === 'sending') && typeof marker.at === 'string' ? marker : null;
  } catch {
    return null;
  }
}
