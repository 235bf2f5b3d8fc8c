import { randomBytes } from 'node:crypto';
import { InputError } from './errors.ts';

/**
 * The archive's key layout, the one place it is spelled out. Both report stores (a local folder, S3) hold
 * the same keys:
 * - `tenants/<tenant>/reports/<report id>/…`: one report's files (report.html is written last)
 * - `tenants/<tenant>/requests/<report id>.json`: the job record of an on-demand or test report
 * - `tenants/<tenant>/deliveries/<subscription>/<start>_<end>.json`: a digest's delivery marker
 * - `tenants/<tenant>/runs/<subscription>/<start>_<end>/<started at>.json`: one run's history record
 */

export interface PeriodDates {
  start: string;
  end: string;
}

/** Everything of one tenant lives under this prefix, and nothing of another tenant does. */
export const tenantPrefix = (tenantId: string) => `tenants/${tenantId}/`;
export const reportsPrefix = (tenantId: string) => `${tenantPrefix(tenantId)}reports/`;
export const reportPrefix = (tenantId: string, reportId: string) => `${reportsPrefix(tenantId)}${reportId}/`;
export const REPORT_PAGE = 'report.html';
export const reportHtmlKey = (tenantId: string, id: string) => `${reportPrefix(tenantId, id)}${REPORT_PAGE}`;
export const metricsKey = (tenantId: string, id: string) => `${reportPrefix(tenantId, id)}metrics.json`;
export const jobKey = (tenantId: string, id: string) => `${tenantPrefix(tenantId)}requests/${id}.json`;
export const deliveryKey = (tenantId: string, subscriptionId: string, period: PeriodDates) =>
  `${tenantPrefix(tenantId)}deliveries/${subscriptionId}/${period.start}_${period.end}.json`;
export const runRecordKey = (tenantId: string, subscriptionId: string, period: PeriodDates, startedAt: string) =>
  `${tenantPrefix(tenantId)}runs/${subscriptionId}/${period.start}_${period.end}/${startedAt.replace(/[:.]/g, '')}.json`;

/**
 * Report ids, one folder each under `tenants/<tenant>/reports/<id>/`:
 * - scheduled: `<subscriptionId>--<start>_<end>`
 * - on-demand: `od-<start>_<end>-<8 hex>` (POST /reports)
 * - test sends: `test-<subscriptionId>--<start>_<end>-<8 hex>` (POST /subscriptions/{id}/test)
 * Anything else found in the folder is listed as kind 'other'.
 */
export const REPORT_ID = /^[a-z0-9][a-z0-9_-]{0,127}$/;
export const SUBSCRIPTION_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

const DATE = String.raw`\d{4}-\d{2}-\d{2}`;
const SCHEDULED = new RegExp(String.raw`^([a-z0-9][a-z0-9-]*)--(${DATE})_(${DATE})$`);
const ON_DEMAND = new RegExp(String.raw`^od-(${DATE})_(${DATE})-[0-9a-f]{8}$`);
const TEST = new RegExp(String.raw`^test-([a-z0-9][a-z0-9-]*)--(${DATE})_(${DATE})-[0-9a-f]{8}$`);

export type ReportKind = 'scheduled' | 'on-demand' | 'test' | 'other';

export interface ReportIdInfo {
  kind: ReportKind;
  subscriptionId?: string;
  period: PeriodDates | null;
}

export function describeReportId(id: string): ReportIdInfo {
  let m = ON_DEMAND.exec(id);
  if (m) return { kind: 'on-demand', period: { start: m[1]!, end: m[2]! } };
  m = TEST.exec(id);
  if (m) return { kind: 'test', subscriptionId: m[1]!, period: { start: m[2]!, end: m[3]! } };
  m = SCHEDULED.exec(id);
  if (m) return { kind: 'scheduled', subscriptionId: m[1]!, period: { start: m[2]!, end: m[3]! } };
  return { kind: 'other', period: null };
}

const suffix = () => randomBytes(4).toString('hex');

export function scheduledReportId(subscriptionId: string, period: PeriodDates): string {
  return `${subscriptionId}--${period.start}_${period.end}`;
}

export function onDemandReportId(period: PeriodDates): string {
  return `od-${period.start}_${period.end}-${suffix()}`;
}

export function testReportId(subscriptionId: string, period: PeriodDates): string {
  return `test-${subscriptionId}--${period.start}_${period.end}-${suffix()}`;
}

/** S3's limit on a key's length in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

/**
 * Refuses a key that is not a plain relative '/'-separated path: empty, a leading '/', an empty segment
 * ('a//b', 'a/'), a '.' or '..' segment, a backslash, a control character, or more than 1024 UTF-8 bytes.
 * Both report stores use it, so a key that works locally works in S3 and cannot escape a folder.
 */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new InputError(`invalid report key ${JSON.stringify(key)}: ${problem}`);
}

/** A list prefix is '' or a key, optionally ending with '/'. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const problem = keyProblem(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  if (problem) throw new InputError(`invalid report key prefix ${JSON.stringify(prefix)}: ${problem}`);
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key === '') return 'it is empty';
  if (key.startsWith('/')) return "it must not start with '/'";
  if (key.includes('\\')) return "it must not contain '\\' (use '/' as the separator)";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it must not contain control characters';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`;
  for (const segment of key.split('/')) {
    if (segment === '') return "it must not have empty segments ('//' or a trailing '/')";
    if (segment === '..' || segment === '.') return `it must not have '${segment}' segments`;
  }
  return undefined;
}

/** Sorts keys the way S3 lists them (code-unit order, not locale order). */
export function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
