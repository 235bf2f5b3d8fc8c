import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportMetrics } from '../src/core/report.types.ts';
import { STATE_NAMES } from '../src/render/charts/brazil-geo.ts';
import { CHART_IDS, type ChartId } from '../src/render/charts/index.ts';
import { i18n, type Locale } from '../src/render/i18n.ts';
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

  for (const locale of ['pt-BR', 'en'] as const) {
    it(`shows each data table cell as metrics.json, the CSV and the chart have it (${locale})`, async () => {
      const metrics = goldenMetrics('busy-week');
      const { page } = await open(`busy-week.${locale}.html`);
      for (const id of CHART_IDS) {
        const card = page.locator('section.card', { has: page.locator(`#vis-${id}`) });
        const cells = await card
          .locator('tbody tr')
          .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
        expect(cells, id).toEqual(expectedTable(metrics, locale, id));

        // The CSV holds the same values, unformatted: counts as integers, ratios to the precision shown.
        const href = (await card.locator('a[download]').getAttribute('href'))!;
        const csv = decodeURIComponent(href.slice(href.indexOf(',') + 1))
          .trim()
          .split('\r\n')
          .slice(1);
        const formats = cellFormats(locale);
        csv.forEach((line, r) =>
          line.split(',').forEach((raw, c) => {
            const shown = cells[r]![c]!;
            if (shown.endsWith('%')) expect(formats.percent(Number(raw)), `${id} ${r}:${c}`).toBe(shown);
            else if (/^\d+$/.test(raw) && !/^\d\d:/.test(shown))
              expect(formats.count(Number(raw)), `${id} ${r}:${c}`).toBe(shown);
          }),
        );
      }
      // The funnel chart writes the same percentages the table shows.
      const funnelText = await page.locator('#vis-message-funnel svg').textContent();
      const funnelCells = await page
        .locator('section.card', { has: page.locator('#vis-message-funnel') })
        .locator('tbody td')
        .allTextContents();
      for (const cell of funnelCells.filter((c) => c.endsWith('%'))) expect(funnelText).toContain(cell);
      await page.close();
    });
  }

  it("dates its footer in the report's zone and locale, like everything else on the page", async () => {
    const pt = await open('busy-week.pt-BR.html');
    // generatedAt 2026-11-23T09:00Z is 06:00 in São Paulo.
    expect(await pt.page.locator('footer').textContent()).toContain('Gerado em 23/11/2026, 06:00 (America/Sao_Paulo)');
    await pt.page.close();
    const en = await open('busy-week.en.html');
    expect(await en.page.locator('footer').textContent()).toContain(
      'Generated 11/23/2026, 6:00 AM (America/Sao_Paulo)',
    );
    await en.page.close();
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

/** Numbers written the reader's way, straight from Intl: counts grouped, every percentage with one decimal. */
function cellFormats(locale: Locale) {
  const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  return { count: (n: number) => count.format(n), percent: (r: number) => percent.format(r) };
}

/** Each chart's table, computed from metrics.json alone. */
function expectedTable(m: ReportMetrics, locale: Locale, id: ChartId): string[][] {
  const { t, date, month } = i18n(locale);
  const { count, percent } = cellFormats(locale);
  const steps = (list: { label: string; contacts: number }[], withFirst: boolean) =>
    list.map((s, k) => [
      s.label,
      count(s.contacts),
      k === 0 ? '' : percent(s.contacts / list[k - 1]!.contacts),
      ...(withFirst ? [percent(s.contacts / list[0]!.contacts)] : []),
    ]);
  const hh = (h: number) => String(h).padStart(2, '0');
  const services = m.serviceDistribution.sales + m.serviceDistribution.support;
  switch (id) {
    case 'message-funnel':
      return steps(
        m.messageFunnel.map((s) => ({ label: t.stages[s.stage], contacts: s.contacts })),
        true,
      );
    case 'journey-funnel':
      return steps(
        m.journeyFunnel.map((s) => ({ label: t.stages[s.stage], contacts: s.contacts })),
        false,
      );
    case 'contacts-by-month':
      return m.contactsByMonth.map((r) => [month(r.month), ...[r.broadcast, r.sales, r.support, r.total].map(count)]);
    case 'contacts-by-state':
      return m.contactsByState.map((r) => [
        r.state,
        r.state === 'UNKNOWN' || r.state === 'FOREIGN' ? t.states[r.state] : STATE_NAMES[r.state]!,
        count(r.contacts),
      ]);
    case 'daily-volume':
      return m.dailyVolume.map((d) => [date(d.date), ...[d.broadcasts, d.salesServices, d.supportServices].map(count)]);
    case 'service-distribution':
      return [
        [t.series.sales, count(m.serviceDistribution.sales), percent(m.serviceDistribution.sales / services)],
        [t.series.support, count(m.serviceDistribution.support), percent(m.serviceDistribution.support / services)],
      ];
    case 'sales-heatmap':
      return m.salesHeatmap.map((c) => [
        t.weekdays[c.weekday - 1]!,
        `${hh(c.hour)}:00–${hh(c.hour)}:59`,
        count(c.messages),
      ]);
  }
}
