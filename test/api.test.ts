import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SignJWT } from 'jose';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Subscription } from '../src/core/subscription.ts';
import {
  LocalJwtAuthenticator,
  signDevToken,
  VerifiedClaimsAuthenticator,
  type Authenticator,
} from '../src/api/auth.ts';
import { createApi, generateOnDemand, type ApiDeps, type ReportJob } from '../src/api/handlers.ts';
import type { ApiRequest, ApiResponse } from '../src/api/http.ts';
import { createLambdaHandler, toApiRequest, type HttpApiEvent, type HttpApiResult } from '../lambdas/api.ts';
import { jobKey } from '../src/core/archive-layout.ts';
import { ReportLinks } from '../src/api/report-links.ts';
import { LakeError } from '../src/core/errors.ts';
import type { Mailer } from '../src/core/mailer.port.ts';
import type { EngineFactory } from '../src/core/query-engine.port.ts';
import type { ReportStore, StoredObject } from '../src/core/report-store.port.ts';
import { duckDbEngineFactory } from '../src/local/duckdb-engine.ts';
import { removeDir, tempDir, writeLake } from './support/lake-builder.ts';
import { oneContactLake } from './support/rows.ts';

// ---- test doubles ------------------------------------------------------------------------------------

/** A report store in memory whose objects get their last-modified time from a clock the test moves. */
class MemoryStore implements ReportStore {
  readonly objects = new Map<string, { body: Buffer; lastModified: Date }>();
  failing = false;
  constructor(private readonly clock: () => Date) {}
  async put(key: string, body: string | Uint8Array): Promise<void> {
    if (this.failing) throw new Error('S3 PutObject s3://secret-bucket/x failed: AccessDenied');
    this.objects.set(key, { body: Buffer.from(body), lastModified: this.clock() });
  }
  async putIfAbsent(key: string, body: string | Uint8Array): Promise<boolean> {
    if (this.objects.has(key)) return false;
    await this.put(key, body);
    return true;
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async get(key: string): Promise<Buffer | null> {
    if (this.failing) throw new Error('S3 GetObject s3://secret-bucket/x failed: AccessDenied');
    return this.objects.get(key)?.body ?? null;
  }
  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, o]) => ({ key, size: o.body.length, lastModified: o.lastModified }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  async readUrl(key: string): Promise<string> {
    return `memory://${key}`;
  }
}

class RecordingMailer implements Mailer {
  readonly sent: { message: Buffer; envelope: { from: string; to: string[] } }[] = [];
  async sendRaw(message: Buffer, envelope: { from: string; to: string[] }) {
    this.sent.push({ message, envelope });
    return { messageId: `msg-${this.sent.length}` };
  }
}

const noEngine: EngineFactory = async (tenantId) => {
  throw new LakeError(`no data for tenant ${tenantId} in the lake`);
};

// ---- fixtures ----------------------------------------------------------------------------------------

const JWT_KEY = randomBytes(32);
const LINK_KEY = randomBytes(32);
const T0 = new Date('2026-11-23T11:00:00Z'); // Monday: acme-weekly's closed period is 2026-11-16..22
const BASE_URL = 'https://reports.example.com';
const SCHEDULED_ID = 'acme-weekly--2026-11-16_2026-11-22';
const JOB_ID = 'od-2026-11-01_2026-11-30-0a1b2c3d';
const SUBSCRIPTIONS: Subscription[] = [
  {
    id: 'acme-weekly',
    tenantId: 'acme',
    cadence: 'weekly',
    sendAt: '08:00',
    timezone: 'America/Sao_Paulo',
    recipients: ['marketing@acme.example.com', 'cx-lead@acme.example.com'],
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
];

interface World {
  store: MemoryStore;
  mailer: RecordingMailer;
  started: ReportJob[];
  deps: ApiDeps;
  api: (request: ApiRequest) => Promise<ApiResponse>;
  clock: { now: Date };
}

function world(overrides: Partial<ApiDeps> = {}): World {
  const clock = { now: T0 };
  const store = new MemoryStore(() => clock.now);
  const mailer = new RecordingMailer();
  const started: ReportJob[] = [];
  const deps: ApiDeps = {
    authenticator: new LocalJwtAuthenticator({ key: JWT_KEY }),
    store,
    mailer,
    openEngine: noEngine,
    sender: 'reports@example.com',
    now: () => clock.now,
    links: new ReportLinks({ key: async () => LINK_KEY, now: () => clock.now }),
    baseUrl: BASE_URL,
    subscriptions: SUBSCRIPTIONS,
    startGeneration: async (job) => void started.push(job),
    presign: async (key) => `https://bucket.s3.example.com/${key}?X-Amz-Expires=300`,
    log: () => undefined,
    ...overrides,
  };
  return { store, mailer, started, deps, api: createApi(deps), clock };
}

/** acme's archive: one scheduled report and one finished on-demand report with its job record. */
async function seedAcme(store: MemoryStore): Promise<void> {
  for (const id of [SCHEDULED_ID, JOB_ID]) {
    await store.put(`tenants/acme/reports/${id}/metrics.json`, '{}');
    await store.put(`tenants/acme/reports/${id}/report.html`, '<h1>report</h1>');
  }
  const job: ReportJob = {
    id: JOB_ID,
    kind: 'on-demand',
    status: 'done',
    request: {
      tenantId: 'acme',
      timezone: 'America/Sao_Paulo',
      start: '2026-11-01',
      end: '2026-11-30',
      attributionDays: 7,
    },
    locale: 'pt-BR',
    createdAt: T0.toISOString(),
    createdBy: { sub: 'user-1', email: 'ana@acme.example.com' },
    reportKey: `tenants/acme/reports/${JOB_ID}/report.html`,
  };
  await store.put(jobKey('acme', JOB_ID), JSON.stringify(job));
}

const token = (tenantId: string, profile: string | undefined, extra: { email?: string; expiresIn?: number } = {}) =>
  signDevToken(
    {
      tenantId,
      ...(profile !== undefined && { profile }),
      email: extra.email ?? `someone@${tenantId}.example.com`,
      sub: `user-of-${tenantId}`,
      expiresIn: extra.expiresIn ?? 300,
    },
    JWT_KEY,
  );

interface Call {
  token?: string;
  authorization?: string;
  body?: unknown;
  query?: Record<string, string>;
}

async function call(api: World['api'], method: string, path: string, options: Call = {}) {
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const request: ApiRequest = { method, path, query: options.query ?? {}, headers };
  if (options.body !== undefined) {
    request.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await api(request);
  const json = response.headers['content-type']?.startsWith('application/json') ? JSON.parse(response.body) : null;
  return { ...response, json };
}

const VALID_BODY = { from: '2026-11-01', to: '2026-11-30' };

// ---- the access-control matrix ------------------------------------------------------------------------

/** Each endpoint as a caller of `tenant` uses it against acme's resources (or their own, where the tenant is implied). */
const ENDPOINTS = [
  { name: 'POST /reports', method: 'POST', path: '/reports', body: VALID_BODY, own: 202, other: 202 },
  { name: 'GET /reports', method: 'GET', path: '/reports', own: 200, other: 200 },
  { name: 'GET /reports/{scheduled id}', method: 'GET', path: `/reports/${SCHEDULED_ID}`, own: 200, other: 404 },
  { name: 'GET /reports/{on-demand id}', method: 'GET', path: `/reports/${JOB_ID}`, own: 200, other: 404 },
  {
    name: 'POST /subscriptions/{id}/test',
    method: 'POST',
    path: '/subscriptions/acme-weekly/test',
    own: 202,
    other: 404,
  },
] as const;

const PROFILES = [
  { profile: 'ADMIN', allowed: true },
  { profile: 'OPERATOR', allowed: true },
  { profile: 'AGENT', allowed: false },
  { profile: 'VIEWER', allowed: false },
  { profile: undefined, allowed: false },
  { profile: 'admin', allowed: false }, // profiles are exact: no case folding into a privilege
];

describe('access control', () => {
  const cases = ENDPOINTS.flatMap((endpoint) =>
    PROFILES.flatMap(({ profile, allowed }) =>
      (['acme', 'globex'] as const).map((tenant) => {
        const own = tenant === 'acme';
        const expected = !allowed ? 403 : own ? endpoint.own : endpoint.other;
        return {
          label: `${endpoint.name} as ${profile ?? 'no profile'} of ${own ? 'acme (own)' : 'globex (other)'}`,
          endpoint,
          profile,
          tenant,
          expected,
        };
      }),
    ),
  );

  it.each(cases)('$label → $expected', async ({ endpoint, profile, tenant, expected }) => {
    const w = world();
    await seedAcme(w.store);

    const response = await call(w.api, endpoint.method, endpoint.path, {
      token: await token(tenant, profile),
      ...('body' in endpoint && { body: endpoint.body }),
    });

    expect(response.status).toBe(expected);
    if (expected === 403) {
      expect(response.json.error.code).toBe('forbidden');
      expect(w.started).toEqual([]); // nothing was queued
    }
    if (expected === 404) expect(response.json.error.code).toBe('not_found');
  });

  it('lists only the caller’s own tenant’s reports', async () => {
    const w = world();
    await seedAcme(w.store);
    await w.store.put('tenants/globex/reports/globex-monthly--2026-10-01_2026-10-31/report.html', 'x');

    const acme = await call(w.api, 'GET', '/reports', { token: await token('acme', 'ADMIN') });
    const globex = await call(w.api, 'GET', '/reports', { token: await token('globex', 'OPERATOR') });

    expect(acme.json.items.map((i: { id: string }) => i.id).sort()).toEqual([JOB_ID, SCHEDULED_ID].sort());
    expect(globex.json.items.map((i: { id: string }) => i.id)).toEqual(['globex-monthly--2026-10-01_2026-10-31']);
  });

  it('creates on-demand jobs under the caller’s tenant, whoever they are', async () => {
    const w = world();

    const response = await call(w.api, 'POST', '/reports', {
      token: await token('globex', 'OPERATOR'),
      body: VALID_BODY,
    });

    expect(response.status).toBe(202);
    const id = response.json.id as string;
    expect(response.json).toEqual({ id, status: 'queued', links: { self: `/reports/${id}` } });
    expect(response.headers.location).toBe(`/reports/${id}`);
    expect([...w.store.objects.keys()]).toEqual([`tenants/globex/requests/${id}.json`]);
    expect(w.started).toHaveLength(1);
    expect(w.started[0]).toMatchObject({
      id,
      kind: 'on-demand',
      status: 'queued',
      request: {
        tenantId: 'globex',
        start: '2026-11-01',
        end: '2026-11-30',
        timezone: 'America/Sao_Paulo',
        attributionDays: 7,
      },
      locale: 'pt-BR',
      createdAt: T0.toISOString(),
      createdBy: { sub: 'user-of-globex', email: 'someone@globex.example.com' },
    });
  });
});

describe('tokens', () => {
  const otherKey = randomBytes(32);
  const jwt = (
    claims: Record<string, unknown>,
    options: { key?: Uint8Array; aud?: string; iss?: string; exp?: number | null; alg?: string } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const builder = new SignJWT({ 'custom:tenant_id': 'acme', 'custom:profile': 'ADMIN', ...claims })
      .setProtectedHeader({ alg: options.alg ?? 'HS256' })
      .setSubject('user-1')
      .setIssuer(options.iss ?? 'cbr-local')
      .setAudience(options.aud ?? 'cbr-api')
      .setIssuedAt(now);
    if (options.exp !== null) builder.setExpirationTime(options.exp ?? now + 300);
    return builder.sign(options.key ?? JWT_KEY);
  };
  const unsigned = () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'u', iss: 'cbr-local', aud: 'cbr-api', exp: now + 300, 'custom:tenant_id': 'acme', 'custom:profile': 'ADMIN' })}.`;
  };

  const BAD: { name: string; authorization: () => Promise<string | undefined>; message: RegExp }[] = [
    { name: 'missing', authorization: async () => undefined, message: /missing Authorization/ },
    { name: 'empty bearer', authorization: async () => 'Bearer ', message: /must be "Bearer <token>"/ },
    {
      name: 'not a bearer scheme',
      authorization: async () => `Basic ${Buffer.from('a:b').toString('base64')}`,
      message: /Bearer/,
    },
    { name: 'malformed', authorization: async () => 'Bearer not-a-jwt', message: /not a valid JWT/ },
    {
      name: 'tampered signature',
      authorization: async () => {
        const t = await token('acme', 'ADMIN');
        const sig = t.split('.')[2]!;
        return `Bearer ${t.slice(0, -sig.length)}${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
      },
      message: /signature is not valid/,
    },
    {
      name: 'tampered payload (VIEWER promoted to ADMIN)',
      authorization: async () => {
        const [header, payload, sig] = (await token('acme', 'VIEWER')).split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        const promoted = Buffer.from(JSON.stringify({ ...claims, 'custom:profile': 'ADMIN' })).toString('base64url');
        return `Bearer ${header}.${promoted}.${sig}`;
      },
      message: /signature is not valid/,
    },
    {
      name: 'signed with another key',
      authorization: async () => `Bearer ${await jwt({}, { key: otherKey })}`,
      message: /signature/,
    },
    {
      name: 'wrong audience',
      authorization: async () => `Bearer ${await jwt({}, { aud: 'another-api' })}`,
      message: /aud/,
    },
    {
      name: 'wrong issuer',
      authorization: async () => `Bearer ${await jwt({}, { iss: 'someone-else' })}`,
      message: /iss/,
    },
    {
      name: 'expired',
      authorization: async () => `Bearer ${await token('acme', 'ADMIN', { expiresIn: -60 })}`,
      message: /expired/,
    },
    { name: 'without exp', authorization: async () => `Bearer ${await jwt({}, { exp: null })}`, message: /exp/ },
    {
      name: 'unsigned (alg none)',
      authorization: async () => `Bearer ${unsigned()}`,
      message: /not a valid JWT|HS256/,
    },
    { name: 'HS512', authorization: async () => `Bearer ${await jwt({}, { alg: 'HS512' })}`, message: /HS256/ },
    {
      name: 'without a tenant',
      authorization: async () => `Bearer ${await jwt({ 'custom:tenant_id': undefined })}`,
      message: /custom:tenant_id/,
    },
    {
      name: 'with an invalid tenant',
      authorization: async () => `Bearer ${await jwt({ 'custom:tenant_id': '../globex' })}`,
      message: /custom:tenant_id/,
    },
  ];

  const cases = BAD.flatMap((bad) =>
    ENDPOINTS.map((endpoint) => ({ label: `${bad.name} on ${endpoint.name}`, bad, endpoint })),
  );

  it.each(cases)('$label → 401', async ({ bad, endpoint }) => {
    const w = world();
    await seedAcme(w.store);
    const authorization = await bad.authorization();

    const response = await call(w.api, endpoint.method, endpoint.path, {
      ...(authorization !== undefined && { authorization }),
      ...('body' in endpoint && { body: endpoint.body }),
    });

    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('unauthorized');
    expect(response.json.error.message).toMatch(bad.message);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(w.started).toEqual([]);
  });

  it('accepts a token a few seconds past its expiry (clock tolerance), not a minute', async () => {
    const now = Math.floor(Date.now() / 1000);
    const w = world({ authenticator: new LocalJwtAuthenticator({ key: JWT_KEY, clockToleranceSeconds: 5 }) });

    const justExpired = await call(w.api, 'GET', '/reports', { token: await jwt({}, { exp: now - 2 }) });
    const longExpired = await call(w.api, 'GET', '/reports', { token: await jwt({}, { exp: now - 60 }) });

    expect(justExpired.status).toBe(200);
    expect(longExpired.status).toBe(401);
  });

  it('refuses a development key shorter than 32 bytes', () => {
    expect(() => new LocalJwtAuthenticator({ key: 'short' })).toThrow(/at least 32/);
  });
});

// ---- input validation ---------------------------------------------------------------------------------

describe('input validation', () => {
  let w: World;
  let admin: string;
  beforeAll(async () => {
    admin = await token('acme', 'ADMIN');
  });
  beforeEach(() => {
    w = world();
  });

  it.each([
    ['no fields', {}, 'from'],
    ['a missing to', { from: '2026-11-01' }, 'to'],
    ['a malformed from', { from: '2026-13-01', to: '2026-11-30' }, 'from'],
    ['a from that is not a string', { from: 20261101, to: '2026-11-30' }, 'from'],
    ['a malformed to', { from: '2026-11-01', to: '30/11/2026' }, 'to'],
    ['a period that ends before it starts', { from: '2026-11-30', to: '2026-11-01' }, 'to'],
    ['a period longer than 366 days', { from: '2024-01-01', to: '2026-01-01' }, 'to'],
    ['an unknown time zone', { ...VALID_BODY, timezone: 'Mars/Olympus' }, 'timezone'],
    ['attribution days of 0', { ...VALID_BODY, attributionDays: 0 }, 'attributionDays'],
    ['attribution days as a string', { ...VALID_BODY, attributionDays: '7' }, 'attributionDays'],
    ['fractional attribution days', { ...VALID_BODY, attributionDays: 2.5 }, 'attributionDays'],
    ['an unknown locale', { ...VALID_BODY, locale: 'fr' }, 'locale'],
    ['a tenant in the body (the token decides)', { ...VALID_BODY, tenantId: 'globex' }, 'tenantId'],
    ['a JSON array', [VALID_BODY], 'body'],
    ['invalid JSON', '{"from": ', 'body'],
    ['no body', undefined, 'body'],
  ])('POST /reports with %s → 400 naming %s', async (_what, body, fieldName) => {
    const response = await call(w.api, 'POST', '/reports', { token: admin, ...(body !== undefined && { body }) });

    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'invalid_request', field: fieldName });
    expect(response.json.error.message).toContain(fieldName);
    expect(w.started).toEqual([]);
  });

  it('accepts every optional field', async () => {
    const body = { ...VALID_BODY, timezone: 'America/Manaus', attributionDays: 14, locale: 'en' };

    const response = await call(w.api, 'POST', '/reports', { token: admin, body });

    expect(response.status).toBe(202);
    expect(w.started[0]).toMatchObject({ request: { timezone: 'America/Manaus', attributionDays: 14 }, locale: 'en' });
  });

  it.each([
    ['0', 'limit'],
    ['101', 'limit'],
    ['ten', 'limit'],
    ['-1', 'limit'],
  ])('GET /reports?limit=%s → 400 naming %s', async (limit, fieldName) => {
    const response = await call(w.api, 'GET', '/reports', { token: admin, query: { limit } });

    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe(fieldName);
  });

  it.each(['garbage!', Buffer.from('{"c":"x","i":"a"}').toString('base64url'), 'e30'])(
    'GET /reports?cursor=%s → 400 naming cursor',
    async (cursor) => {
      const response = await call(w.api, 'GET', '/reports', { token: admin, query: { cursor } });

      expect(response.status).toBe(400);
      expect(response.json.error.field).toBe('cursor');
    },
  );

  it.each(['Bad_ID', '..', '%2e%2e%2fglobex', 'a'.repeat(200)])('GET /reports/%s → 400 naming id', async (id) => {
    const response = await call(w.api, 'GET', `/reports/${id}`, { token: admin });

    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe('id');
  });

  it('answers 404 for a well-formed id that does not exist', async () => {
    const response = await call(w.api, 'GET', '/reports/od-2026-01-01_2026-01-31-deadbeef', { token: admin });

    expect(response.status).toBe(404);
  });

  it('answers 404 for an unknown subscription, and 400 for one that cannot be an id', async () => {
    expect((await call(w.api, 'POST', '/subscriptions/nope/test', { token: admin })).status).toBe(404);
    const bad = await call(w.api, 'POST', '/subscriptions/Not..An.Id/test', { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('id');
  });

  it('refuses a test send when the token has no email to send it to', async () => {
    const noEmail = await signDevToken({ tenantId: 'acme', profile: 'ADMIN', sub: 'u', expiresIn: 300 }, JWT_KEY);

    const response = await call(w.api, 'POST', '/subscriptions/acme-weekly/test', { token: noEmail });

    expect(response.status).toBe(400);
    expect(response.json.error.field).toBe('email');
  });

  it('refuses a test send to an email address the identity provider has not verified', async () => {
    const unverified = await signDevToken(
      {
        tenantId: 'acme',
        profile: 'ADMIN',
        email: 'someone@elsewhere.example.com',
        emailVerified: false,
        sub: 'u',
        expiresIn: 300,
      },
      JWT_KEY,
    );

    const response = await call(w.api, 'POST', '/subscriptions/acme-weekly/test', { token: unverified });

    expect(response.status).toBe(400);
    expect(response.json.error.message).toMatch(/no verified email address/);
  });

  it('answers 413 for a body over 16 KiB, before anything else', async () => {
    const response = await call(w.api, 'POST', '/reports', {
      token: admin,
      body: { ...VALID_BODY, pad: 'x'.repeat(20_000) },
    });

    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('payload_too_large');
  });

  it('answers 405 with Allow for a known path and a wrong method, 404 for an unknown path', async () => {
    const wrongMethod = await call(w.api, 'DELETE', '/reports', { token: admin });
    const unknown = await call(w.api, 'GET', '/admin', { token: admin });

    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, POST');
    expect(unknown.status).toBe(404);
  });

  it('answers 500 without internals when an adapter fails, and logs the details', async () => {
    const logged: Record<string, unknown>[] = [];
    w = world({ log: (entry) => void logged.push(entry) });
    w.store.failing = true;

    const response = await call(w.api, 'GET', `/reports/${SCHEDULED_ID}`, { token: admin });

    expect(response.status).toBe(500);
    expect(response.json.error.code).toBe('internal');
    expect(response.body).not.toMatch(/secret-bucket|AccessDenied|stack/);
    expect(JSON.stringify(logged)).toContain('secret-bucket');
  });

  it('marks a job failed when it cannot be started, and answers 500', async () => {
    w = world({
      startGeneration: async () => {
        throw new Error('Lambda Invoke throttled');
      },
    });

    const response = await call(w.api, 'POST', '/reports', { token: admin, body: VALID_BODY });

    expect(response.status).toBe(500);
    const [record] = [...w.store.objects.values()];
    expect(JSON.parse(record!.body.toString())).toMatchObject({ status: 'failed', error: /could not be started/ });
  });
});

// ---- reading reports ------------------------------------------------------------------------------------

describe('report status and links', () => {
  it('shows a finished on-demand report with signed links to its page and metrics', async () => {
    const w = world();
    await seedAcme(w.store);

    const response = await call(w.api, 'GET', `/reports/${JOB_ID}`, { token: await token('acme', 'OPERATOR') });

    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      id: JOB_ID,
      kind: 'on-demand',
      status: 'done',
      period: { start: '2026-11-01', end: '2026-11-30' },
      links: { self: `/reports/${JOB_ID}` },
    });
    const { report, metrics } = response.json.links as { report: string; metrics: string };
    expect(report.startsWith(`${BASE_URL}/r/`)).toBe(true);
    const links = new ReportLinks({ key: async () => LINK_KEY, now: () => T0 });
    expect(await links.verify(report.slice(`${BASE_URL}/r/`.length))).toMatchObject({
      ok: true,
      tenantId: 'acme',
      reportKey: `tenants/acme/reports/${JOB_ID}/report.html`,
    });
    expect(await links.verify(metrics.slice(`${BASE_URL}/r/`.length))).toMatchObject({
      reportKey: `tenants/acme/reports/${JOB_ID}/metrics.json`,
    });
  });

  it('shows a queued job without report links, and a scheduled report from its archived page alone', async () => {
    const w = world();
    await seedAcme(w.store);
    const created = await call(w.api, 'POST', '/reports', { token: await token('acme', 'ADMIN'), body: VALID_BODY });

    const queued = await call(w.api, 'GET', `/reports/${created.json.id}`, { token: await token('acme', 'ADMIN') });
    const scheduled = await call(w.api, 'GET', `/reports/${SCHEDULED_ID}`, { token: await token('acme', 'ADMIN') });

    expect(queued.json).toMatchObject({ status: 'queued', links: { self: `/reports/${created.json.id}` } });
    expect(queued.json.links.report).toBeUndefined();
    expect(scheduled.json).toMatchObject({
      id: SCHEDULED_ID,
      kind: 'scheduled',
      status: 'done',
      subscriptionId: 'acme-weekly',
      period: { start: '2026-11-16', end: '2026-11-22' },
      createdAt: T0.toISOString(),
    });
  });

  describe('GET /r/{token}', () => {
    const key = `tenants/acme/reports/${SCHEDULED_ID}/report.html`;

    it('redirects a valid link to a short-lived URL of its report, without a JWT', async () => {
      const w = world();
      await seedAcme(w.store);
      const link = await w.deps.links.sign('acme', key);

      const response = await call(w.api, 'GET', `/r/${link}`);

      expect(response.status).toBe(302);
      expect(response.headers.location).toBe(`https://bucket.s3.example.com/${key}?X-Amz-Expires=300`);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('shows the "expired" page for an expired link', async () => {
      const w = world();
      await seedAcme(w.store);
      const link = await w.deps.links.sign('acme', key);
      w.clock.now = new Date(T0.getTime() + 91 * 24 * 3600 * 1000);

      const response = await call(w.api, 'GET', `/r/${link}`);

      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toContain('This link has expired');
    });

    it.each([
      ['tampered', async (link: string) => link.replace(/.(?=\.)/, (c) => (c === 'A' ? 'B' : 'A'))],
      ['malformed', async () => 'hello'],
      ['signed with another key', async () => new ReportLinks({ key: async () => randomBytes(32) }).sign('acme', key)],
    ])('shows the "not valid" page for a %s link', async (_what, make) => {
      const w = world();
      const link = await make(await w.deps.links.sign('acme', key));

      const response = await call(w.api, 'GET', `/r/${link}`);

      expect(response.status).toBe(403);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toContain('This link is not valid');
      expect(response.body).not.toContain('expired');
    });

    it('shows a "not available" page when the report is gone', async () => {
      const { NotFoundError } = await import('../src/api/http.ts');
      const w = world({
        presign: async () => {
          throw new NotFoundError('gone');
        },
      });

      const response = await call(w.api, 'GET', `/r/${await w.deps.links.sign('acme', key)}`);

      expect(response.status).toBe(404);
      expect(response.body).toContain('no longer in the archive');
    });
  });
});

describe('the archive, page by page', () => {
  const reportIds = [
    'initech-daily--2026-11-01_2026-11-01',
    'initech-daily--2026-11-02_2026-11-02',
    'od-2026-10-01_2026-10-31-00000001',
    'initech-daily--2026-11-03_2026-11-03',
    'test-initech-daily--2026-11-03_2026-11-03-0000000a',
    'initech-daily--2026-11-04_2026-11-04',
    'legacy-folder',
  ];

  async function archive(w: World) {
    for (const [i, id] of reportIds.entries()) {
      // Two reports share a time (ids break the tie); an unfinished folder without report.html never shows.
      w.clock.now = new Date(T0.getTime() + Math.min(i, 5) * 60_000);
      await w.store.put(`tenants/initech/reports/${id}/metrics.json`, '{}');
      await w.store.put(`tenants/initech/reports/${id}/report.html`, 'x');
    }
    await w.store.put('tenants/initech/reports/od-2026-11-01_2026-11-30-0000000f/metrics.json', '{}');
  }
  const newestFirst = ['legacy-folder', 'initech-daily--2026-11-04_2026-11-04', ...reportIds.slice(0, 5).reverse()];

  it('pages newest first with an opaque cursor until there is no next page', async () => {
    const w = world();
    await archive(w);
    const auth = { token: await token('initech', 'ADMIN') };

    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const response = await call(w.api, 'GET', '/reports', {
        ...auth,
        query: { limit: '3', ...(cursor && { cursor }) },
      });
      expect(response.status).toBe(200);
      seen.push(...response.json.items.map((i: { id: string }) => i.id));
      pages.push(response.json.items.length);
      cursor = response.json.nextCursor ?? undefined;
      if (cursor) expect(response.json.links.next).toBe(`/reports?limit=3&cursor=${cursor}`);
    } while (cursor);

    expect(pages).toEqual([3, 3, 1]);
    expect(seen).toEqual(newestFirst);
  });

  it('describes each item: kind, period, creation time and a signed link', async () => {
    const w = world();
    await archive(w);

    const response = await call(w.api, 'GET', '/reports', {
      token: await token('initech', 'ADMIN'),
      query: { limit: '20' },
    });

    const byId = Object.fromEntries(response.json.items.map((i: { id: string }) => [i.id, i]));
    expect(byId['initech-daily--2026-11-04_2026-11-04']).toMatchObject({
      kind: 'scheduled',
      subscriptionId: 'initech-daily',
      period: { start: '2026-11-04', end: '2026-11-04' },
      createdAt: new Date(T0.getTime() + 5 * 60_000).toISOString(),
      links: { self: '/reports/initech-daily--2026-11-04_2026-11-04' },
    });
    expect(byId['od-2026-10-01_2026-10-31-00000001']).toMatchObject({
      kind: 'on-demand',
      period: { start: '2026-10-01', end: '2026-10-31' },
    });
    expect(byId['test-initech-daily--2026-11-03_2026-11-03-0000000a']).toMatchObject({
      kind: 'test',
      subscriptionId: 'initech-daily',
    });
    expect(byId['legacy-folder']).toMatchObject({ kind: 'other', period: null });
    const link = byId['legacy-folder'].links.report as string;
    expect(await w.deps.links.verify(link.slice(`${BASE_URL}/r/`.length))).toMatchObject({
      reportKey: 'tenants/initech/reports/legacy-folder/report.html',
    });
    expect(response.json.nextCursor).toBeNull();
  });

  it('keeps its place when a report is archived between two pages', async () => {
    const w = world();
    await archive(w);
    const auth = { token: await token('initech', 'ADMIN') };
    const first = await call(w.api, 'GET', '/reports', { ...auth, query: { limit: '3' } });

    w.clock.now = new Date(T0.getTime() + 3600_000);
    await w.store.put('tenants/initech/reports/initech-daily--2026-11-05_2026-11-05/report.html', 'x');
    const second = await call(w.api, 'GET', '/reports', {
      ...auth,
      query: { limit: '3', cursor: first.json.nextCursor },
    });

    expect(second.json.items.map((i: { id: string }) => i.id)).toEqual(newestFirst.slice(3, 6));
  });
});

// ---- generation -----------------------------------------------------------------------------------------

describe('generating on demand and test sends', () => {
  let dir: string;
  let lake: string;
  beforeAll(async () => {
    dir = tempDir('cbr-api-');
    lake = await writeLake(path.join(dir, 'lake'), oneContactLake(), 'parquet');
  });
  afterAll(() => removeDir(dir));

  it('sends the subscription’s digest to the caller only, with a [TEST] subject, and records the message id', async () => {
    const w = world({ openEngine: duckDbEngineFactory({ lakeDir: lake }) });
    const caller = await token('acme', 'OPERATOR', { email: 'ana@acme.example.com' });

    const accepted = await call(w.api, 'POST', '/subscriptions/acme-weekly/test', { token: caller });
    const done = await generateOnDemand(w.started[0]!, w.deps);
    const status = await call(w.api, 'GET', `/reports/${accepted.json.id}`, { token: caller });

    expect(accepted.status).toBe(202);
    expect(accepted.json.id).toMatch(/^test-acme-weekly--2026-11-16_2026-11-22-[0-9a-f]{8}$/);
    expect(done).toMatchObject({ status: 'done', kind: 'test', messageId: 'msg-1' });
    expect(w.mailer.sent).toHaveLength(1);
    expect(w.mailer.sent[0]!.envelope).toEqual({ from: 'reports@example.com', to: ['ana@acme.example.com'] });
    const mail = await simpleParser(w.mailer.sent[0]!.message);
    expect(mail.subject).toMatch(/^\[TEST\] /);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('ana@acme.example.com');
    expect(mail.html).toContain(`${BASE_URL}/r/`);
    expect(status.json).toMatchObject({ status: 'done', messageId: 'msg-1', subscriptionId: 'acme-weekly' });
    expect(status.json.links.report).toMatch(/^https:\/\/reports\.example\.com\/r\//);
    const archived = [...w.store.objects.keys()].filter((k) =>
      k.startsWith(`tenants/acme/reports/${accepted.json.id}/`),
    );
    expect(archived).toEqual(
      expect.arrayContaining(
        ['metrics.json', 'report.html', 'email.eml'].map((f) => `tenants/acme/reports/${accepted.json.id}/${f}`),
      ),
    );
  });

  it('does not send a test twice when the generation is retried', async () => {
    const w = world({ openEngine: duckDbEngineFactory({ lakeDir: lake }) });
    await call(w.api, 'POST', '/subscriptions/acme-weekly/test', { token: await token('acme', 'ADMIN') });

    await generateOnDemand(w.started[0]!, w.deps);
    const again = await generateOnDemand(w.started[0]!, w.deps);

    expect(again.status).toBe('done');
    expect(w.mailer.sent).toHaveLength(1);
  });

  it('records a readable failure when the lake has no data for the tenant', async () => {
    const w = world({ openEngine: duckDbEngineFactory({ lakeDir: lake }) });
    const caller = await token('globex', 'ADMIN');
    const accepted = await call(w.api, 'POST', '/reports', { token: caller, body: VALID_BODY });

    const failed = await generateOnDemand(w.started[0]!, w.deps);
    const status = await call(w.api, 'GET', `/reports/${accepted.json.id}`, { token: caller });

    expect(failed.status).toBe('failed');
    // Plain words for the caller: neither the lake's location nor other tenants' ids.
    expect(status.json).toMatchObject({ status: 'failed', error: 'the lake holds no data for this tenant yet' });
    expect(status.json.links.report).toBeUndefined();
    expect(w.mailer.sent).toEqual([]);
  });

  it('hides an unexpected failure behind a reference', async () => {
    const w = world({
      openEngine: async () => {
        throw new Error('Athena StartQueryExecution arn:aws:athena:secret failed');
      },
    });
    await call(w.api, 'POST', '/reports', { token: await token('acme', 'ADMIN'), body: VALID_BODY });

    const failed = await generateOnDemand(w.started[0]!, w.deps);

    expect(failed.error).toMatch(/internal error, reference [0-9a-f-]{36}/);
    expect(failed.error).not.toContain('arn:aws');
  });
});

// ---- the Lambda adapter -----------------------------------------------------------------------------------

describe('the Lambda adapter (HTTP API payload v2)', () => {
  const claims = {
    sub: '3f1c0c1e-1111-2222-3333-444455556666',
    email: 'ana@acme.example.com',
    'custom:tenant_id': 'acme',
    'custom:profile': 'ADMIN',
    aud: '1example23456789',
    iss: 'https://cognito-idp.sa-east-1.amazonaws.com/sa-east-1_Example',
    exp: '1795000000',
    token_use: 'id',
  };
  const sampleEvent = (
    overrides: Partial<HttpApiEvent> = {},
    withClaims: Record<string, unknown> | null = claims,
  ): HttpApiEvent => ({
    version: '2.0',
    rawPath: `/reports/${SCHEDULED_ID}`,
    rawQueryString: 'limit=5&limit=7&q=a%20b',
    headers: { 'Content-Type': 'application/json', 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer eyJ…' },
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'GET', path: `/reports/${SCHEDULED_ID}` },
      stage: '$default',
      requestId: 'abc123',
      ...(withClaims && { authorizer: { jwt: { claims: withClaims, scopes: null } } }),
    },
    ...overrides,
  });

  it('maps method, path, query, headers and the authorizer’s claims', () => {
    const request = toApiRequest(sampleEvent());

    expect(request).toEqual({
      method: 'GET',
      path: `/reports/${SCHEDULED_ID}`,
      query: { limit: '5', q: 'a b' },
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer eyJ…' },
      verifiedClaims: claims,
    });
  });

  it('removes a named stage from the path and decodes a base64 body', () => {
    const request = toApiRequest(
      sampleEvent({
        rawPath: '/prod/reports',
        body: Buffer.from(JSON.stringify(VALID_BODY)).toString('base64'),
        isBase64Encoded: true,
        requestContext: { http: { method: 'POST' }, stage: 'prod' },
      }),
    );

    expect(request).toMatchObject({ method: 'POST', path: '/reports', body: JSON.stringify(VALID_BODY) });
    expect(request.verifiedClaims).toBeUndefined();
  });

  async function lambda(authenticator: Authenticator = new VerifiedClaimsAuthenticator()) {
    const w = world({ authenticator });
    await seedAcme(w.store);
    return { w, handler: createLambdaHandler(() => w.deps) };
  }

  it('answers with the report the claims’ tenant may see', async () => {
    const { handler } = await lambda();

    const result = (await handler(sampleEvent())) as HttpApiResult;

    expect(result).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(result.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(result.body)).toMatchObject({ id: SCHEDULED_ID, kind: 'scheduled', status: 'done' });
  });

  it('trusts only the authorizer’s claims: none → 401, another tenant → 404, a VIEWER → 403', async () => {
    const { handler } = await lambda();

    const none = (await handler(sampleEvent({}, null))) as HttpApiResult;
    const otherTenant = (await handler(sampleEvent({}, { ...claims, 'custom:tenant_id': 'globex' }))) as HttpApiResult;
    const viewer = (await handler(sampleEvent({}, { ...claims, 'custom:profile': 'VIEWER' }))) as HttpApiResult;

    expect([none.statusCode, otherTenant.statusCode, viewer.statusCode]).toEqual([401, 404, 403]);
  });

  it('runs a generation event for a recorded job', async () => {
    const { w, handler } = await lambda();
    await handler(
      sampleEvent({
        rawPath: '/reports',
        body: JSON.stringify(VALID_BODY),
        requestContext: { http: { method: 'POST' }, stage: '$default', authorizer: { jwt: { claims } } },
      }),
    );
    const job = w.started[0]!;

    const done = (await handler({ action: 'cbr.generate-report', tenantId: 'acme', jobId: job.id })) as ReportJob;

    expect(done).toMatchObject({
      id: job.id,
      status: 'failed',
      error: expect.stringMatching(/the lake could not be read, reference [0-9a-f-]{36}/),
    });
  });

  it('refuses an event it does not know, and a generation event for another tenant’s job', async () => {
    const { handler } = await lambda();

    await expect(handler({ hello: 'world' })).rejects.toThrow(/unexpected event/);
    await expect(handler({ action: 'cbr.generate-report', tenantId: 'globex', jobId: JOB_ID })).rejects.toThrow(
      /no report job/,
    );
  });

  it('answers 500 when the adapters cannot be built, and builds them again next time', async () => {
    let attempts = 0;
    const w = world({ authenticator: new VerifiedClaimsAuthenticator() });
    await seedAcme(w.store);
    const handler = createLambdaHandler(() => {
      if (++attempts === 1) throw new Error('invalid API Lambda environment: API_URL: Invalid URL');
      return w.deps;
    });
    const quiet = console.error;
    console.error = () => undefined;
    try {
      const first = (await handler(sampleEvent())) as HttpApiResult;
      const second = (await handler(sampleEvent())) as HttpApiResult;

      expect(first.statusCode).toBe(500);
      expect(first.body).not.toContain('API_URL');
      expect(second.statusCode).toBe(200);
    } finally {
      console.error = quiet;
    }
  });
});
