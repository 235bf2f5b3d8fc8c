/** The report API as the console calls it: same origin, the session's bearer token, JSON errors as ApiProblem. */

export interface Period {
  start: string;
  end: string;
}

export type ReportKind = 'scheduled' | 'on-demand' | 'test' | 'other';

export interface ArchivedReport {
  id: string;
  kind: ReportKind;
  subscriptionId?: string;
  period: Period | null;
  createdAt: string;
  /** When the signed link in links.report stops working. */
  linkExpiresAt?: string;
  links: { self: string; report: string };
}

export interface ReportStatus {
  id: string;
  kind: ReportKind;
  status: 'queued' | 'running' | 'done' | 'failed';
  period: Period;
  error?: string;
  linkExpiresAt?: string;
  links: { self: string; report?: string };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Cadence = 'daily' | 'weekdays' | 'weekly' | 'monthly';
export const CADENCES: readonly Cadence[] = ['daily', 'weekdays', 'weekly', 'monthly'];

export interface Schedule {
  cadence: Cadence;
  /** weekly: ISO weekday 1 (Monday) … 7 (Sunday). */
  weekday?: number;
  /** monthly: 1–28 or 'last'. */
  dayOfMonth?: number | 'last';
  time: string;
  timezone: string;
}

export type RecipientStatus = 'active' | 'unsubscribed' | 'suppressed';

export interface Subscription {
  id: string;
  name?: string | null;
  schedule: Schedule;
  locale: 'pt-BR' | 'en';
  recipients: { email: string; status: RecipientStatus; statusChangedAt?: string }[];
  startDate?: string | null;
  endDate?: string | null;
  paused: boolean;
  version: number;
  nextRunAt?: string | null;
}

/** What POST /subscriptions and PATCH take: recipients as plain addresses. */
export interface SubscriptionInput {
  id?: string;
  name?: string | null;
  schedule: Schedule;
  locale: 'pt-BR' | 'en';
  recipients: string[];
  startDate?: string | null;
  endDate?: string | null;
}

export type RunStatus = 'sent' | 'duplicate' | 'skipped' | 'failed' | 'running';
export type ErrorKind = 'input' | 'lake' | 'query' | 'mail' | 'in-doubt' | 'internal';

export interface Run {
  subscriptionId: string;
  period: Period;
  status: RunStatus;
  trigger?: 'schedule' | 'manual';
  scheduledAt?: string;
  startedAt?: string;
  finishedAt?: string;
  recipients?: string[];
  skippedRecipients?: { email: string; status: RecipientStatus }[];
  errorKind?: ErrorKind;
  error?: string;
  links?: { report?: string };
}

/** An API error: the status, the API's stable code, its message and, for a validation error, the field. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

/** No answer at all (offline, DNS, CORS): a different thing to tell the user than an error answer. */
export class NetworkProblem extends Error {}

export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let response: Response;
    try {
      // Relative to the page, so the console works under a path prefix as well as at the root.
      response = await fetch(path.replace(/^\//, ''), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new NetworkProblem(String(error));
    }
    if (response.status === 204) return undefined as T;
    const json = (await response.json().catch(() => null)) as
      (T & { error?: { code?: string; message?: string; field?: string } }) | null;
    if (!response.ok) {
      if (response.status === 401) this.onUnauthorized();
      const error = json?.error;
      throw new ApiProblem(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `HTTP ${response.status}`,
        error?.field,
        response.headers.get('retry-after') ?? undefined,
      );
    }
    return json as T;
  }

  reports(cursor?: string | null): Promise<Page<ArchivedReport>> {
    const query = new URLSearchParams({ limit: '20', ...(cursor && { cursor }) });
    return this.call('GET', `/reports?${query}`);
  }

  report(id: string): Promise<ReportStatus> {
    return this.call('GET', `/reports/${encodeURIComponent(id)}`);
  }

  requestReport(body: { from: string; to: string; locale: string }): Promise<{ id: string }> {
    return this.call('POST', '/reports', body);
  }

  subscriptions(cursor?: string | null): Promise<Page<Subscription>> {
    const query = new URLSearchParams({ limit: '50', ...(cursor && { cursor }) });
    return this.call('GET', `/subscriptions?${query}`);
  }

  subscription(id: string): Promise<Subscription> {
    return this.call('GET', `/subscriptions/${encodeURIComponent(id)}`);
  }

  createSubscription(input: SubscriptionInput): Promise<Subscription> {
    return this.call('POST', '/subscriptions', input);
  }

  updateSubscription(id: string, version: number, input: Omit<SubscriptionInput, 'id'>): Promise<Subscription> {
    return this.call('PATCH', `/subscriptions/${encodeURIComponent(id)}`, input, { 'if-match': `"${version}"` });
  }

  deleteSubscription(id: string, version: number): Promise<void> {
    return this.call('DELETE', `/subscriptions/${encodeURIComponent(id)}`, undefined, { 'if-match': `"${version}"` });
  }

  pause(id: string): Promise<Subscription> {
    return this.call('POST', `/subscriptions/${encodeURIComponent(id)}/pause`);
  }

  resume(id: string): Promise<Subscription> {
    return this.call('POST', `/subscriptions/${encodeURIComponent(id)}/resume`);
  }

  test(id: string): Promise<{ id: string }> {
    return this.call('POST', `/subscriptions/${encodeURIComponent(id)}/test`);
  }

  run(id: string): Promise<{ id: string; period: Period }> {
    return this.call('POST', `/subscriptions/${encodeURIComponent(id)}/run`);
  }

  runs(id: string, limit = 20, cursor?: string | null): Promise<Page<Run>> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor && { cursor }) });
    return this.call('GET', `/subscriptions/${encodeURIComponent(id)}/runs?${query}`);
  }
}
