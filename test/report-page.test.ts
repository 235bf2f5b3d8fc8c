import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_IDS } from '../src/render/charts/index.ts';
import { renderReport } from '../src/render/render-report.ts';
import { launchChromium } from './support/browser.ts';
import { removeDir, tempDir } from './support/lake-builder.ts';
import { goldenMetrics } from './support/sample-metrics.ts';

interface Opened {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

describe('the archived report page in Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
    dir = tempDir();
    for (const [name, locale] of [
      ['busy-week', 'pt-BR'],
      ['busy-week', 'en'],
      ['empty-period', 'pt-BR'],
    ] as const) {
      const { files } = await renderReport(goldenMetrics(name), {
        locale,
        reportUrl: 'https://example.com/r/x',
        from: 'r@example.com',
        to: ['a@example.com'],
      });
      writeFileSync(path.join(dir, `${name}.${locale}.html`), String(files.get('report.html')));
    }
  });
  afterAll(async () => {
    await browser?.close();
    removeDir(dir);
  });

  async function open(file: string, width = 1280): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path.join(dir, file)).href);
    await page.waitForSelector('#vis-sales-heatmap svg');
    return { page, consoleErrors, requests };
  }

  it('draws every chart from file:// with no console error and no request leaving the file', async () => {
    const { page, consoleErrors, requests } = await open('busy-week.pt-BR.html');
    for (const id of CHART_IDS) {
      expect(await page.locator(`#vis-${id} svg .mark-group`).count(), id).toBeGreaterThan(0);
    }
    expect(consoleErrors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual(
      [],
    );
    // A Content-Security-Policy violation would show among the console errors.
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-eval'); // expressions run in Vega's interpreter
    await page.screenshot({ path: path.join(dir, 'page.png'), fullPage: true });
    await page.close();
  });

  it('shows a tooltip with the exact value when a chart mark is hovered', async () => {
    const { page } = await open('busy-week.pt-BR.html');
    const bar = page.locator('#vis-message-funnel svg .mark-rect path').first();
    await bar.hover();
    const tooltip = page.locator('#vg-tooltip-element');
    await expect.poll(() => tooltip.textContent()).toContain('12.480');
    await page.close();
  });

  it('is accessible: landmarks, one h1, labelled charts, data tables and CSV downloads', async () => {
    const { page } = await open('busy-week.en.html');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('header').count()).toBe(1);
    expect(await page.locator('main').count()).toBe(1);
    expect(await page.locator('h1').count()).toBe(1);
    const labels = await page
      .locator('.figure[role="img"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(labels).toHaveLength(7);
    for (const label of labels) expect(label!.length).toBeGreaterThan(20);
    expect(await page.locator('table').count()).toBe(7);
    const csv = await page.locator('a[download="sales-heatmap.csv"]').getAttribute('href');
    expect(decodeURIComponent(csv!.split(',').slice(1).join(',')).trim().split('\r\n')).toHaveLength(169);
    await page.close();
  });

  it('fits a phone screen without horizontal scrolling of the page', async () => {
    const { page } = await open('busy-week.pt-BR.html', 390);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('reads "no activity in this period" for an empty period', async () => {
    const { page, consoleErrors } = await open('empty-period.pt-BR.html');
    await expect.poll(() => page.locator('.banner').textContent()).toBe('Sem atividade neste período');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
