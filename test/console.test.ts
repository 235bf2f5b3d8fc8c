import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../src/api/auth.ts';
import { startLocalServer, type LocalServer } from '../src/cli/serve.ts';
import { launchChromium } from './support/browser.ts';
import { recordForeignRequests, seriousA11yViolations, signInLocally } from './support/console.ts';
import { removeDir, tempDir, writeLake } from './support/lake-builder.ts';
import { contact, event, message, service } from './support/rows.ts';

const ANA = { tenantId: 'acme', profile: 'ADMIN', email: 'ana@acme.example.com' } as const;
const GUS = { tenantId: 'globex', profile: 'ADMIN', email: 'gus@globex.example.com' } as const;

describe('the admin console on the local server', () => {
  const jwtKey = randomBytes(32);
  let work: string;
  let server: LocalServer;
  let apiOnly: LocalServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    work = tempDir('cbr-console-');
    const lakeDir = await writeLake(
      path.join(work, 'lake'),
      {
        contacts: [
          contact('acme', '2026-11-23', 'k1', '+5511987654321', '2020-01-01T00:00:00Z'),
          contact('globex', '2026-11-23', 'g1', '+5521912345678', '2020-01-01T00:00:00Z'),
        ],
        broadcast_events: [
          event('acme', 'k1', 'SENT', '2026-11-17T12:00:00Z'),
          event('globex', 'g1', 'SENT', '2026-11-18T12:00:00Z'),
        ],
        services: [service('acme', 'k1', 'SALES', '2026-11-18T12:00:00Z')],
        service_messages: [message('acme', 'k1', 'SALES', 'INBOUND', '2026-11-18T12:01:00Z')],
      },
      'parquet',
    );
    const common = {
      port: 0,
      lakeDir,
      archiveDir: path.join(work, 'archive'),
      outboxDir: path.join(work, 'outbox'),
      linkKeyFile: path.join(work, '.cbr', 'link-key'),
      jwtKey,
    };
    server = await startLocalServer({ ...common, console: true });
    apiOnly = await startLocalServer(common);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
    await apiOnly?.close();
    removeDir(work);
  });

  async function newPage(
    options: { locale?: string; width?: number } = {},
  ): Promise<{ page: Page; foreign: string[] }> {
    const context = await browser.newContext({
      locale: options.locale ?? 'en-US',
      viewport: { width: options.width ?? 1280, height: 900 },
    });
    contexts.push(context);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const foreign = recordForeignRequests(context, server.url);
    return { page: await context.newPage(), foreign };
  }

  const apiAs = async (who: { tenantId: string; profile: string; email: string }) => {
    const token = await signDevToken({ ...who, sub: `dev-${who.email}`, expiresIn: '10m' }, jwtKey);
    return async (method: string, route: string, body?: unknown) => {
      const response = await fetch(server.url + route, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json().catch(() => null)) as Record<string, unknown> };
    };
  };

  async function expectAccessible(page: Page, screen: string): Promise<void> {
    const violations = await seriousA11yViolations(page);
    expect(violations, `${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
  }

  it('serves the page with a strict policy, hashed immutable assets and no route for the API-only server', async () => {
    const page = await fetch(`${server.url}/`);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy')!;
    const script = /<script type="module" src="(console\/main-[A-Z0-9]+\.js)">/.exec(html)?.[1];
    const asset = await fetch(`${server.url}/${script}`);

    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]);
    expect(html).toContain(
      '<script type="application/json" id="cbr-console-config">{"auth":{"mode":"local"}}</script>',
    );
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${server.url}/console/main-NOPE.js`)).status).toBe(404);
    // Without the console, neither the page nor the development sign-in exists.
    expect((await fetch(`${apiOnly.url}/`)).status).toBe(404);
    const mint = await fetch(`${apiOnly.url}/dev/token`, { method: 'POST', body: JSON.stringify(ANA) });
    expect(mint.status).toBe(404);
  });

  it('mints development tokens only for valid tenants, profiles and emails, naming the field', async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/dev/token`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { token?: string; error?: { field?: string } },
      }));
    const good = await post(ANA);
    const reports = await fetch(`${server.url}/reports`, { headers: { authorization: `Bearer ${good.json.token}` } });

    expect(good.status).toBe(200);
    expect(reports.status).toBe(200);
    expect((await post({ ...ANA, tenantId: '../etc' })).json.error?.field).toBe('tenantId');
    expect((await post({ ...ANA, profile: 'admin; drop' })).json.error?.field).toBe('profile');
    expect((await post({ ...ANA, email: 'not-an-email' })).json.error?.field).toBe('email');
    expect((await post({ ...ANA, extra: 1 })).json.error?.field).toBe('extra');
    expect((await fetch(`${server.url}/dev/token`)).status).toBe(405);
  });

  it('signs in locally, requests an on-demand report, sees it listed, opens it and copies its link', async () => {
    const { page, foreign } = await newPage();
    await signInLocally(page, server.url, ANA);
    await expect(page.locator('[data-testid=identity]').textContent()).resolves.toBe(
      'ana@acme.example.com · acme · ADMIN',
    );
    await page.getByRole('link', { name: 'Archive' }).click();
    await page.getByRole('heading', { level: 1, name: 'Report archive' }).waitFor();
    await expectAccessible(page, 'archive (empty)');

    await page.getByLabel('From', { exact: true }).fill('2026-11-16');
    await page.getByLabel('To', { exact: true }).fill('2026-11-22');
    await page.getByRole('button', { name: 'Request report' }).click();
    await page.locator('.request-status .notice.ok', { hasText: 'Report ready.' }).waitFor({ timeout: 50_000 });

    const rows = page.locator('li.report');
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().locator('.report-period').textContent()).resolves.toBe('Nov 16 – 22, 2026');
    await expect(rows.first().locator('.tag').textContent()).resolves.toBe('On demand');

    // What the list shows is what the API says: the same signed link and its expiry.
    const api = await apiAs(ANA);
    const listed = (await api('GET', '/reports')).json.items as {
      id: string;
      linkExpiresAt: string;
      links: { report: string };
    }[];
    expect(listed).toHaveLength(1);
    const expiresInDays = (Date.parse(listed[0]!.linkExpiresAt) - Date.now()) / 86_400_000;
    expect(expiresInDays).toBeGreaterThan(89.9);
    expect(expiresInDays).toBeLessThanOrEqual(90);
    const expiry = new Intl.DateTimeFormat('en', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(listed[0]!.linkExpiresAt));
    await expect(rows.first().locator('.report-actions p').textContent()).resolves.toBe(`Link works until ${expiry}`);

    await rows
      .first()
      .getByRole('button', { name: /Copy link to the report/ })
      .click();
    await page.locator('.live .notice.ok', { hasText: `Link copied. It works until ${expiry}.` }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(new RegExp(`^${server.url}/r/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    const opened = await fetch(copied, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toContain(`/files/tenants/acme/reports/${listed[0]!.id}/report.html?`);

    const [report] = await Promise.all([
      page.context().waitForEvent('page'),
      rows.first().getByRole('link', { name: 'Open the report for Nov 16 – 22, 2026' }).click(),
    ]);
    await report.waitForLoadState('load');
    expect(report.url()).toContain(`/files/tenants/acme/reports/${listed[0]!.id}/report.html?exp=`);
    await expect(report.locator('h1').textContent()).resolves.toBe('Contact behavior');
    await report.close();

    await expectAccessible(page, 'archive (one report)');
    expect(foreign).toEqual([]);
  });

  it('shows the API validation error beside the period field', async () => {
    const { page } = await newPage();
    await signInLocally(page, server.url, ANA);
    await page.goto(`${server.url}/#/archive`);
    await page.getByLabel('From', { exact: true }).fill('2026-11-22');
    await page.getByLabel('To', { exact: true }).fill('2026-11-16');
    await page.getByRole('button', { name: 'Request report' }).click();
    const error = page.locator('#request-to-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toBe('to: the period ends (2026-11-16) before it starts (2026-11-22)');
    await expect(page.getByLabel('To', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('To', { exact: true }).getAttribute('aria-describedby')).resolves.toBe(
      'request-to-error',
    );
  });

  it('shows a second tenant none of the first tenant’s reports', async () => {
    const api = await apiAs(ANA);
    expect(((await api('GET', '/reports')).json.items as unknown[]).length).toBeGreaterThan(0);
    const { page } = await newPage();
    await signInLocally(page, server.url, GUS);
    await page.goto(`${server.url}/#/archive`);
    await page.locator('p.empty', { hasText: 'No archived reports yet.' }).waitFor();
    await expect(page.locator('li.report').count()).resolves.toBe(0);
  });

  it('signs out: the token leaves the tab and the sign-in form is back', async () => {
    const { page } = await newPage({ locale: 'pt-BR' });
    await signInLocally(page, server.url, ANA);
    await expect(page.evaluate(() => sessionStorage.getItem('cbr.session'))).resolves.toMatch(/^ey/);
    expect(page.url()).not.toContain('ey');
    await page.getByRole('button', { name: 'Sair' }).click();
    await page.getByRole('heading', { level: 1, name: 'Acesso de desenvolvimento' }).waitFor();
    await expect(page.locator('.badge-local').textContent()).resolves.toBe('Somente local');
    await expect(page.evaluate(() => sessionStorage.getItem('cbr.session'))).resolves.toBeNull();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Acesso de desenvolvimento' }).waitFor();
    await expectAccessible(page, 'sign-in (pt-BR)');
  });

  it('switches language and keeps the choice', async () => {
    const { page } = await newPage({ locale: 'pt-BR' });
    await signInLocally(page, server.url, ANA);
    await page.goto(`${server.url}/#/archive`);
    await page.getByRole('heading', { level: 1, name: 'Arquivo de relatórios' }).waitFor();
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('pt-BR');
    await page.getByLabel('Idioma', { exact: true }).selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Report archive' }).waitFor();
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('en');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Report archive' }).waitFor();
  });
});
