import { randomUUID } from 'node:crypto';
import { jobKey, reportHtmlKey, reportPrefix } from '../core/archive-layout.ts';
import { InputError, LakeError, QueryError } from '../core/errors.ts';
import { generateReport } from '../core/generate-report.ts';
import type { Mailer } from '../core/mailer.port.ts';
import type { Locale } from '../core/locale.ts';
import type { EngineFactory } from '../core/query-engine.port.ts';
import type { ReportRequest } from '../core/report-request.ts';
import { contentTypeOf, type ReportStore } from '../core/report-store.port.ts';
import { archiveReport } from '../pipeline/archive.ts';
import { renderReport } from '../render/render-report.ts';
import { rendererWarmedUp, warmUpWhileQueriesRun } from '../render/warm-up.ts';
import { linkUrl, type ReportLinks } from './report-links.ts';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** One on-demand report (or subscription test send), as recorded in `tenants/<t>/requests/<id>.json`. */
export interface ReportJob {
  id: string;
  kind: 'on-demand' | 'test';
  status: JobStatus;
  request: ReportRequest;
  locale: Locale;
  createdAt: string;
  createdBy: { sub: string; email?: string | undefined };
  /** Test sends: the subscription whose digest is tried; it goes to createdBy.email only. */
  subscriptionId?: string;
  startedAt?: string;
  finishedAt?: string;
  /** When done: the archived report page. */
  reportKey?: string;
  /** When a test send is done: the mailer's message id. */
  messageId?: string;
  /** When failed: what went wrong, in words the caller can act on (internals stay in the logs). */
  error?: string;
}

export type Log = (entry: Record<string, unknown>) => void;

/** What generating a report needs; the API's deps include all of it. */
export interface GenerationDeps {
  store: ReportStore;
  mailer: Mailer;
  openEngine: EngineFactory;
  sender: string;
  now: () => Date;
  links: ReportLinks;
  /** The API's public base URL; report links are `<baseUrl>/r/<token>`. */
  baseUrl: string;
  log?: Log;
}

export const TEST_SUBJECT_PREFIX = '[TEST] ';

export async function readJob(store: ReportStore, tenantId: string, id: string): Promise<ReportJob | null> {
  const body = await store.get(jobKey(tenantId, id));
  if (!body) return null;
  const job = JSON.parse(body.toString('utf8')) as ReportJob;
  return job.request?.tenantId === tenantId && job.id === id ? job : null;
}

export async function saveJob(store: ReportStore, job: ReportJob): Promise<void> {
  await store.put(jobKey(job.request.tenantId, job.id), JSON.stringify(job, null, 2), contentTypeOf('.json'));
}

/**
 * The work behind POST /reports and POST /subscriptions/{id}/test: running → metrics → rendered report
 * archived under `tenants/<t>/reports/<id>/` (report.html last, so the archive lists only complete
 * reports) → for a test, the digest sent to the caller alone with a "[TEST] " subject → done or failed.
 * Never throws for a report that cannot be made: the failure is recorded on the job. A job already done
 * is left alone, so a retried invocation does not send a test twice.
 */
export async function generateOnDemand(job: ReportJob, deps: GenerationDeps): Promise<ReportJob> {
  const tenantId = job.request.tenantId;
  const current = (await readJob(deps.store, tenantId, job.id)) ?? job;
  if (current.status === 'done') return current;
  let state: ReportJob = { ...current, status: 'running', startedAt: deps.now().toISOString() };
  delete state.error;
  await saveJob(deps.store, state);

  try {
    const prefix = reportPrefix(tenantId, job.id);
    const reportKey = reportHtmlKey(tenantId, job.id);
    const email = state.createdBy.email;
    if (state.kind === 'test' && !email) throw new InputError('a test send needs the caller’s email address');
    const metrics = await generateReport(state.request, deps.openEngine, { onQueriesStarted: warmUpWhileQueriesRun });
    await rendererWarmedUp();
    const rendered = await renderReport(metrics, {
      locale: state.locale,
      reportUrl: linkUrl(deps.baseUrl, await deps.links.sign(tenantId, reportKey)),
      from: deps.sender,
      to: email ? [email] : [],
      now: deps.now(),
    });
    const eml = state.kind === 'test' ? markAsTest(rendered.eml) : rendered.eml;
    await archiveReport(deps.store, prefix, new Map(rendered.files).set('email.eml', eml));

    let messageId: string | undefined;
    if (state.kind === 'test') {
      ({ messageId } = await deps.mailer.sendRaw(eml, { from: deps.sender, to: [email!] }));
    }
    state = {
      ...state,
      status: 'done',
      finishedAt: deps.now().toISOString(),
      reportKey,
      ...(messageId && { messageId }),
    };
  } catch (error) {
    state = { ...state, status: 'failed', finishedAt: deps.now().toISOString(), error: readable(error, job, deps.log) };
  }
  await saveJob(deps.store, state);
  return state;
}

/**
 * Errors the caller can act on keep their message; lake and engine errors name buckets, paths and SQL,
 * so the caller gets a plain sentence and a reference while the details go to the log.
 */
function readable(error: unknown, job: ReportJob, log: Log = (e) => console.error(JSON.stringify(e))): string {
  if (error instanceof InputError) return error.message;
  if (error instanceof LakeError && /^unknown tenant/.test(error.message))
    return 'the lake holds no data for this tenant yet';
  const reference = randomUUID();
  log({
    level: 'error',
    message: 'on-demand report failed',
    reference,
    tenantId: job.request.tenantId,
    jobId: job.id,
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
  const what =
    error instanceof LakeError || error instanceof QueryError ? 'the lake could not be read' : 'internal error';
  return `the report could not be generated (${what}, reference ${reference})`;
}

/**
 * Prefixes the Subject header of a rendered MIME message with "[TEST] ". The prefix is plain ASCII, so it
 * may stand before the RFC 2047 encoded words the composer wrote; the header's folding is kept.
 */
export function markAsTest(eml: Buffer): Buffer {
  const text = eml.toString('latin1'); // byte-for-byte, whatever the body's encoding
  const headerEnd = text.indexOf('\r\n\r\n');
  const headers = headerEnd < 0 ? text : text.slice(0, headerEnd);
  const match = /(^|\r\n)Subject:[ \t]*/i.exec(headers);
  if (!match) throw new Error('the rendered message has no Subject header');
  const at = match.index + match[0].length;
  return Buffer.from(text.slice(0, at) + TEST_SUBJECT_PREFIX + text.slice(at), 'latin1');
}
