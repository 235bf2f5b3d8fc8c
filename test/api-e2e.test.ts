import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../src/api/auth.ts';
import { startLocalServer, type LocalServer } from '../src/cli/serve.ts';
import { fileKeyProvider } from '../src/local/file-key.ts';
import { ReportLinks } from '../src/api/report-links.ts';
import { launchChromium } from './support/browser.ts';
import { removeDir, tempDir, writeLake } from './support/lake-builder.ts';
import { contact, event, message, service } from './support/rows.ts';

describe('the local report API, end to end', () => {
  const jwtKey = randomBytes(32);
  let work: string;
  let server: LocalServer;
  let browser: Browser;
  let admin: string;

  beforeAll(async () => {
    work = tempDir('cbr-api-e2e-');
    const lakeDir = await writeLake(
      path.join(work, 'lake'),
      {
        contacts: [
          contact('acme', '2026-11-23', 'k1', '+5511987654321', '2020-01-01T00:00:00Z'),
          contact('acme', '2026-11-23', 'k2', '+5521912345678', '2026-11-10T00:00:00Z'),
        ],
        broadcast_events: [
          event('acme', 'k1', 'SENT', '2026-11-17T12:00:00Z'),
          event('acme', 'k1', 'READ', '2026-11-17T12:05:00Z'),
          event('acme', 'k2', 'SENT', '2026-11-18T12:00:00Z'),
        ],
        services: [service('acme', 'k1', 'SALES', '2026-11-18T12:00:00Z')],
        service_messages: [message('acme', 'k1', 'SALES', 'INBOUND', '2026-11-18T12:01:00Z')],
      },
      'parquet',
    );
    server = await startLocalServer({
      port: 0,
      lakeDir,
      archiveDir: path.join(work, 'archive'),
      outboxDir: path.join(work, 'outbox'),
      linkKeyFile: path.join(work, '.cbr', 'link-key'),
      jwtKey,
    });
    admin = await signDevToken(
      { tenantId: 'acme', profile: 'ADMIN', email: 'ana@acme.example.com', sub: 'ana', expiresIn: '10m' },
      jwtKey,
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    removeDir(work);
  });

  const api = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(server.url + route, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  async function untilFinished(id: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 50_000;
    for (;;) {
      const { json } = await api('GET', `/reports/${id}`);
      if (json.status === 'done' || json.status === 'failed') return json;
      if (Date.now() > deadline) throw new Error(`report ${id} still ${String(json.status)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('generates a report on demand and opens its signed archive link in a browser', async () => {
    const created = await api('POST', '/reports', { from: '2026-11-16', to: '2026-11-22', locale: 'en' });
    expect(created.status).toBe(202);
    const id = created.json.id as string;

    const finished = await untilFinished(id);
    expect(finished).toMatchObject({
      status: 'done',
      kind: 'on-demand',
      period: { start: '2026-11-16', end: '2026-11-22' },
    });
    const reportLink = (finished.links as { report: string }).report;
    expect(reportLink.startsWith(`${server.url}/r/`)).toBe(true);

    const page = await browser.newPage();
    try {
      const response = await page.goto(reportLink);
      expect(response?.status()).toBe(200);
      expect(page.url()).toMatch(
        new RegExp(`^${server.url}/files/tenants/acme/reports/${id}/report\\.html\\?exp=\\d+&sig=`),
      );
      await expect(page.locator('h1').textContent()).resolves.toBe('Contact behavior');
      await page.waitForSelector('#vis-message-funnel svg');
      expect(await page.locator('.vis svg').count()).toBeGreaterThan(1);
    } finally {
      await page.close();
    }

    const listed = await api('GET', '/reports?limit=5');
    expect((listed.json.items as { id: string }[]).map((i) => i.id)).toEqual([id]);
  });

  it('shows the expired-link page in the browser for an expired link, and the invalid-link page for a forged one', async () => {
    const created = await api('POST', '/reports', { from: '2026-11-17', to: '2026-11-17' });
    const finished = await untilFinished(created.json.id as string);
    const reportKey = `tenants/acme/reports/${String(finished.id)}/report.html`;
    const monthsAgo = new Date(Date.now() - 100 * 24 * 3600 * 1000);
    const oldLinks = new ReportLinks({
      key: fileKeyProvider(path.join(work, '.cbr', 'link-key')),
      now: () => monthsAgo,
    });
    const expired = `${server.url}/r/${await oldLinks.sign('acme', reportKey)}`;
    const forged = await new ReportLinks({ key: async () => randomBytes(32) }).sign('acme', reportKey);

    const page = await browser.newPage();
    try {
      const response = await page.goto(expired);
      expect(response?.status()).toBe(403);
      expect(response?.headers()['cache-control']).toBe('no-store');
      await expect(page.locator('h1').textContent()).resolves.toContain('This link has expired');

      const invalid = await page.goto(`${server.url}/r/${forged}`);
      expect(invalid?.status()).toBe(403);
      await expect(page.locator('h1').textContent()).resolves.toContain('This link is not valid');
    } finally {
      await page.close();
    }
  });

  it('serves archived files only through a signed, unexpired URL', async () => {
    const listed = await api('GET', '/reports');
    const link = (listed.json.items as { links: { report: string } }[])[0]!.links.report;
    const redirect = await fetch(link, { redirect: 'manual' });
    const location = redirect.headers.get('location')!;

    const good = await fetch(location);
    const tampered = await fetch(location.replace(/sig=./, (s) => (s.endsWith('A') ? 'sig=B' : 'sig=A')));
    const otherFile = await fetch(location.replace('report.html', 'metrics.json'));

    expect(redirect.status).toBe(302);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(tampered.status).toBe(403);
    expect(otherFile.status).toBe(403);
  });

  it('refuses an unauthenticated call and keeps the link key file private', async () => {
    const response = await fetch(`${server.url}/reports`);

    expect(response.status).toBe(401);
    expect(statSync(path.join(work, '.cbr', 'link-key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.join(work, 'archive', 'tenants', 'acme', 'requests'))).toHaveLength(2);
  });
});
