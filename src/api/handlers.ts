import { z } from 'zod';
import {
  describeReportId,
  jobKey,
  metricsKey,
  onDemandReportId,
  reportHtmlKey,
  SUBSCRIPTION_ID,
  testReportId,
} from '../core/archive-layout.ts';
import { closedPeriod } from '../core/closed-period.ts';
import { InputError } from '../core/errors.ts';
import { DEFAULT_LOCALE, LOCALES } from '../core/locale.ts';
import {
  daysBetween,
  MAX_PERIOD_DAYS,
  parseReportRequest,
  validateAttributionDays,
  validateDate,
  validateTimezone,
} from '../core/report-request.ts';
import type { Subscription } from '../core/subscription.ts';
import { authorize, type Authenticator, type Caller } from './auth.ts';
import { consoleResponse, type ConsoleSite } from './console-site.ts';
import {
  errorResponse,
  html,
  json,
  MAX_BODY_BYTES,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  redirect,
  ValidationError,
  type ApiRequest,
  type ApiResponse,
} from './http.ts';
import { linkExpiredPage, linkInvalidPage, linkMissingPage } from './link-pages.ts';
import { DEFAULT_PAGE_SIZE, listArchive, MAX_PAGE_SIZE, parseReportId } from './report-archive.ts';
import { readJob, saveJob, type GenerationDeps, type ReportJob } from './report-jobs.ts';
import { linkUrl } from './report-links.ts';

export { generateOnDemand, type ReportJob } from './report-jobs.ts';

/** Everything the routes touch, injected: local adapters in `cbr serve`, AWS ones in the Lambda. */
export interface ApiDeps extends GenerationDeps {
  authenticator: Authenticator;
  subscriptions: readonly Subscription[];
  /** Starts generateOnDemand(job) without waiting for it (an in-process promise, or an async Lambda invoke). */
  startGeneration: (job: ReportJob) => Promise<void>;
  /** A short-lived URL that reads one archived object (an S3 presigned GET, or the local /files route). */
  presign: (key: string) => Promise<string>;
  /** The admin console served at `GET /` and `GET /console/<asset>` (public files; its API calls carry the JWT). */
  console?: ConsoleSite;
}

interface Context {
  request: ApiRequest;
  params: string[];
  deps: ApiDeps;
}
type Handler = (context: Context) => Promise<ApiResponse>;
type AuthedHandler = (context: Context, caller: Caller) => Promise<ApiResponse>;

/** Routes that need an ADMIN or OPERATOR token; the tenant comes from the token, never from the request. */
const authed =
  (handler: AuthedHandler): Handler =>
  async (context) => {
    const caller = authorize(await context.deps.authenticator.authenticate(context.request));
    return handler(context, caller);
  };

const ROUTES: { pattern: RegExp; methods: Record<string, Handler> }[] = [
  { pattern: /^\/reports$/, methods: { GET: authed(listReports), POST: authed(createReport) } },
  { pattern: /^\/reports\/([^/]+)$/, methods: { GET: authed(getReport) } },
  { pattern: /^\/subscriptions\/([^/]+)\/test$/, methods: { POST: authed(testSubscription) } },
  // The token is the credential: no JWT, so a forwarded link works for anyone it reaches, until it expires.
  { pattern: /^\/r\/([^/]+)$/, methods: { GET: openLink } },
];

/** The report API: one function from request to response, the same for Lambda and the local server. */
export function createApi(deps: ApiDeps): (request: ApiRequest) => Promise<ApiResponse> {
  return async (request) => {
    try {
      const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
      if (deps.console && request.method.toUpperCase() === 'GET') {
        const page = consoleResponse(deps.console, request.path);
        if (page) return page;
      }
      for (const route of ROUTES) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        const handler = route.methods[request.method.toUpperCase()];
        if (!handler) throw new MethodNotAllowedError(request.method, Object.keys(route.methods));
        if (request.body !== undefined && Buffer.byteLength(request.body) > MAX_BODY_BYTES) {
          throw new PayloadTooLargeError();
        }
        return await handler({ request, params: match.slice(1).map(decodeSegment), deps });
      }
      throw new NotFoundError(`no route for ${request.method} ${request.path}`);
    } catch (error) {
      return errorResponse(error, deps.log);
    }
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // not valid %-encoding: the id/token checks refuse it
  }
}

// ---- POST /reports ---------------------------------------------------------------------------------

const CreateReportBody = z.strictObject({
  from: z.string({ error: 'expected the first date of the period as YYYY-MM-DD' }),
  to: z.string({ error: 'expected the last date of the period (inclusive) as YYYY-MM-DD' }),
  timezone: z.string({ error: 'expected an IANA time zone name' }).optional(),
  attributionDays: z.number({ error: 'expected a whole number of days' }).optional(),
  locale: z.enum(LOCALES, { error: `expected one of ${LOCALES.join(', ')}` }).optional(),
});

function parseJsonBody(request: ApiRequest): unknown {
  if (request.body === undefined || request.body.trim() === '') {
    throw new ValidationError('body', 'expected a JSON object');
  }
  try {
    return JSON.parse(request.body);
  } catch {
    throw new ValidationError('body', 'not valid JSON');
  }
}

/** Runs one of the core validators and names the field when it refuses the value. */
function field<T>(name: string, validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (error instanceof InputError) throw new ValidationError(name, error.message);
    throw error;
  }
}

async function createReport({ request, deps }: Context, caller: Caller): Promise<ApiResponse> {
  const parsed = CreateReportBody.safeParse(parseJsonBody(request));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const name = unknownKey ?? (issue.path.length ? issue.path.map(String).join('.') : 'body');
    throw new ValidationError(name, unknownKey ? 'unknown field' : issue.message);
  }
  const body = parsed.data;
  const start = field('from', () => validateDate(body.from, 'from'));
  const end = field('to', () => validateDate(body.to, 'to'));
  if (body.timezone !== undefined) field('timezone', () => validateTimezone(body.timezone!));
  if (body.attributionDays !== undefined)
    field('attributionDays', () => validateAttributionDays(body.attributionDays!));
  if (start > end) throw new ValidationError('to', `the period ends (${end}) before it starts (${start})`);
  const days = daysBetween(start, end) + 1;
  if (days > MAX_PERIOD_DAYS) {
    throw new ValidationError('to', `the period spans ${days} days; at most ${MAX_PERIOD_DAYS} are allowed`);
  }
  const reportRequest = field('body', () =>
    parseReportRequest(
      { tenantId: caller.tenantId, start, end, timezone: body.timezone, attributionDays: body.attributionDays },
      deps.now(),
    ),
  );
  const job = newJob(deps, caller, {
    id: onDemandReportId(reportRequest),
    kind: 'on-demand',
    request: reportRequest,
    locale: body.locale ?? DEFAULT_LOCALE,
  });
  return enqueue(deps, job);
}

function newJob(
  deps: ApiDeps,
  caller: Caller,
  fields: Pick<ReportJob, 'id' | 'kind' | 'request' | 'locale' | 'subscriptionId'>,
): ReportJob {
  return {
    ...fields,
    status: 'queued',
    createdAt: deps.now().toISOString(),
    createdBy: { sub: caller.sub, ...(caller.email && { email: caller.email }) },
  };
}

/** Records the job, then starts it; a job that cannot be started is marked failed rather than left queued. */
async function enqueue(deps: ApiDeps, job: ReportJob): Promise<ApiResponse> {
  const created = await deps.store.putIfAbsent(
    jobKey(job.request.tenantId, job.id),
    JSON.stringify(job, null, 2),
    'application/json; charset=utf-8',
  );
  if (!created) throw new Error(`report id collision: ${job.id}`);
  try {
    await deps.startGeneration(job);
  } catch (error) {
    await saveJob(deps.store, {
      ...job,
      status: 'failed',
      finishedAt: deps.now().toISOString(),
      error: 'the report could not be started; try again later',
    });
    throw error;
  }
  const self = `/reports/${job.id}`;
  return json(202, { id: job.id, status: job.status, links: { self } }, { location: self });
}

// ---- GET /reports/{id} -----------------------------------------------------------------------------

async function getReport({ params, deps }: Context, caller: Caller): Promise<ApiResponse> {
  const id = parseReportId(params[0]!);
  const tenantId = caller.tenantId;
  const self = `/reports/${id}`;
  const job = await readJob(deps.store, tenantId, id);
  if (job) {
    const links: Record<string, string> = { self };
    if (job.status === 'done') Object.assign(links, await reportLinks(deps, tenantId, id));
    return json(200, {
      id,
      kind: job.kind,
      status: job.status,
      ...(job.subscriptionId && { subscriptionId: job.subscriptionId }),
      period: { start: job.request.start, end: job.request.end },
      timezone: job.request.timezone,
      attributionDays: job.request.attributionDays,
      locale: job.locale,
      createdAt: job.createdAt,
      ...(job.createdBy.email && { createdBy: { email: job.createdBy.email } }),
      ...(job.startedAt && { startedAt: job.startedAt }),
      ...(job.finishedAt && { finishedAt: job.finishedAt }),
      ...(job.messageId && { messageId: job.messageId }),
      ...(job.error && { error: job.error }),
      ...(job.status === 'done' && { linkExpiresAt: linkExpiresAt(deps) }),
      links,
    });
  }
  // A scheduled report has no job record: its archived page is the proof it exists.
  const page = (await deps.store.list(reportHtmlKey(tenantId, id))).find((o) => o.key === reportHtmlKey(tenantId, id));
  if (!page) throw new NotFoundError(`no report ${id}`);
  const info = describeReportId(id);
  return json(200, {
    id,
    kind: info.kind,
    status: 'done',
    ...(info.subscriptionId && { subscriptionId: info.subscriptionId }),
    period: info.period,
    createdAt: page.lastModified.toISOString(),
    linkExpiresAt: linkExpiresAt(deps),
    links: { self, ...(await reportLinks(deps, tenantId, id)) },
  });
}

async function reportLinks(deps: ApiDeps, tenantId: string, id: string) {
  return {
    report: linkUrl(deps.baseUrl, await deps.links.sign(tenantId, reportHtmlKey(tenantId, id))),
    metrics: linkUrl(deps.baseUrl, await deps.links.sign(tenantId, metricsKey(tenantId, id))),
  };
}

/** When links signed now stop working: shown beside a link so whoever shares it knows. */
const linkExpiresAt = (deps: ApiDeps) =>
  new Date((Math.floor(deps.now().getTime() / 1000) + deps.links.ttlSeconds) * 1000).toISOString();

// ---- GET /reports ----------------------------------------------------------------------------------

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PAGE_SIZE)) {
    throw new ValidationError('limit', `expected a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return n;
}

async function listReports({ request, deps }: Context, caller: Caller): Promise<ApiResponse> {
  const limit = parseLimit(request.query.limit);
  const cursor = request.query.cursor;
  const tenantId = caller.tenantId;
  const page = await listArchive(deps.store, tenantId, { limit, cursor: cursor === '' ? undefined : cursor });
  const items = await Promise.all(
    page.items.map(async (item) => {
      const info = describeReportId(item.id);
      return {
        id: item.id,
        kind: info.kind,
        ...(info.subscriptionId && { subscriptionId: info.subscriptionId }),
        period: info.period,
        createdAt: item.createdAt.toISOString(),
        linkExpiresAt: linkExpiresAt(deps),
        links: {
          self: `/reports/${item.id}`,
          report: linkUrl(deps.baseUrl, await deps.links.sign(tenantId, reportHtmlKey(tenantId, item.id))),
        },
      };
    }),
  );
  const next = page.nextCursor && `/reports?limit=${limit}&cursor=${page.nextCursor}`;
  return json(200, { items, nextCursor: page.nextCursor, links: next ? { next } : {} });
}

// ---- POST /subscriptions/{id}/test ------------------------------------------------------------------

async function testSubscription({ params, deps }: Context, caller: Caller): Promise<ApiResponse> {
  const id = params[0]!;
  if (!SUBSCRIPTION_ID.test(id)) throw new ValidationError('id', 'expected a subscription id');
  // Another tenant's subscription is as unknown as a missing one.
  const subscription = deps.subscriptions.find((s) => s.id === id && s.tenantId === caller.tenantId);
  if (!subscription) throw new NotFoundError(`no subscription ${id}`);
  if (!caller.email) throw new ValidationError('email', 'your token has no verified email address to send the test to');
  const period = closedPeriod(subscription.cadence, subscription.timezone, deps.now());
  const request = parseReportRequest({ tenantId: caller.tenantId, timezone: subscription.timezone, ...period });
  const job = newJob(deps, caller, {
    id: testReportId(subscription.id, period),
    kind: 'test',
    request,
    locale: subscription.locale,
    subscriptionId: subscription.id,
  });
  return enqueue(deps, job);
}

// ---- GET /r/{token} --------------------------------------------------------------------------------

/** Seconds the redirect target stays readable: long enough to load, too short to be worth sharing. */
export const REDIRECT_SECONDS = 5 * 60;

async function openLink({ params, deps }: Context): Promise<ApiResponse> {
  const check = await deps.links.verify(params[0]!);
  if (!check.ok) return html(403, check.reason === 'expired' ? linkExpiredPage() : linkInvalidPage());
  try {
    return redirect(await deps.presign(check.reportKey));
  } catch (error) {
    if (error instanceof NotFoundError) return html(404, linkMissingPage());
    throw error;
  }
}
