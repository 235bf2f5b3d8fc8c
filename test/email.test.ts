import { simpleParser, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_HTML_BYTES } from '../src/render/email.ts';
import { i18n } from '../src/render/i18n.ts';
import { renderReport, type RenderedReport } from '../src/render/render-report.ts';
import { goldenMetrics } from './support/sample-metrics.ts';

const REPORT_URL = 'https://reports.example.com/r/token-123';
const render = (name: 'busy-week' | 'empty-period', locale: 'pt-BR' | 'en') =>
  renderReport(goldenMetrics(name), {
    locale,
    reportUrl: REPORT_URL,
    from: 'Reports <reports@example.com>',
    to: ['ana@acme.example.com', 'bruno@acme.example.com'],
    now: new Date('2026-11-23T11:00:00Z'),
  });

const imgTags = (html: string) => [...html.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];

describe('the email digest (pt-BR, a busy week)', () => {
  let report: RenderedReport;
  let mail: ParsedMail;
  let html: string;

  beforeAll(async () => {
    report = await render('busy-week', 'pt-BR');
    mail = await simpleParser(report.eml, { keepCidLinks: true });
    html = String(mail.html);
  });

  it('is a standard MIME message: text and HTML alternatives, the HTML related to its inline images', () => {
    const raw = report.eml.toString('latin1');
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(raw).toMatch(/Content-Type: multipart\/related/);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([
      'ana@acme.example.com',
      'bruno@acme.example.com',
    ]);
  });

  it('has a subject with the tenant and the period', () => {
    expect(mail.subject).toBe('Comportamento dos contatos · acme · 16/11/2026 – 22/11/2026');
  });

  it('references every chart by cid, and every cid resolves to an attached PNG', () => {
    const cids = imgTags(html)
      .map((tag) => attr(tag, 'src')!)
      .filter((src) => src.startsWith('cid:'));
    expect(cids).toHaveLength(7);
    for (const cid of cids) {
      const attachment = mail.attachments.find((a) => a.cid === cid.slice(4));
      expect(attachment, cid).toBeDefined();
      expect(attachment!.contentType).toBe('image/png');
      expect(attachment!.content.subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('gives every image alt text that states its key numbers, and an explicit width for Outlook', () => {
    const tags = imgTags(html);
    for (const tag of tags) {
      expect(attr(tag, 'alt')!.length, tag).toBeGreaterThan(20);
      expect(attr(tag, 'width'), tag).toMatch(/^\d+$/);
    }
    const funnel = tags.find((t) => t.includes('cid:message-funnel'))!;
    expect(attr(funnel, 'alt')).toContain('12.480');
  });

  it('shows the KPI tiles with their change, and three to five insights', () => {
    for (const value of ['46.641', '11.020', '1.482', '963']) expect(html).toContain(value);
    expect(html).toContain('+1,4%'); // contact base 45.980 → 46.641
    const insights = /<ul[^>]*>([\s\S]*?)<\/ul>/.exec(html)![1]!.match(/<li/g) ?? [];
    expect(insights.length).toBeGreaterThanOrEqual(3);
    expect(insights.length).toBeLessThanOrEqual(5);
  });

  it('carries the same numbers in its text part', () => {
    for (const value of ['46.641', '11.020', '1.482', '963', '12.480']) expect(mail.text).toContain(value);
    expect(mail.text).toContain(REPORT_URL);
  });

  it('names each chart once in its text part, followed by its key numbers', () => {
    const { t } = i18n('pt-BR');
    for (const title of Object.values(t.charts)) {
      expect(mail.text!.split(title).length - 1, title).toBe(1);
    }
    expect(mail.text).toContain(
      'Funil de conversão por status da mensagem: Enviadas 12.480, Entregues 11.020 (88,3%), Lidas 8.315 (75,5%)',
    );
  });

  it('links to the full report and stays light in dark mode', () => {
    expect(html).toContain(`href="${REPORT_URL}"`);
    expect(html).toMatch(/<meta name="color-scheme" content="light only"/);
    expect(html).toMatch(/color-scheme: light only/);
  });

  it('fits Gmail (HTML under 100 KB) and SES (message under 10 MB)', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(MAX_HTML_BYTES);
    expect(report.eml.length).toBeLessThan(10 * 1024 * 1024);
  });

  it('writes the same HTML for a quick look, with the images read from charts/', () => {
    const quickLook = String(report.files.get('email.html'));
    expect(quickLook).not.toContain('cid:');
    expect(quickLook).toContain('src="charts/message-funnel.png"');
    expect(report.files.get('charts/message-funnel.png')).toBeInstanceOf(Buffer);
  });
});

describe('the email digest in English', () => {
  it('formats numbers and dates the English way', async () => {
    const mail = await simpleParser((await render('busy-week', 'en')).eml);
    expect(mail.subject).toBe('Contact behavior · acme · 11/16/2026 – 11/22/2026');
    expect(mail.text).toContain('46,641');
    expect(String(mail.html)).toContain('Open the full report');
  });
});

describe('a period with no activity', () => {
  it('says so in words instead of sending blank charts', async () => {
    const report = await render('empty-period', 'pt-BR');
    const mail = await simpleParser(report.eml, { keepCidLinks: true });
    expect(String(mail.html)).toContain('Sem atividade neste período');
    expect(mail.text).toContain('Sem atividade neste período');
    expect(mail.text).toContain('Distribuição geográfica: Sem atividade neste período.');
    expect(mail.text).not.toContain('Distribuição geográfica: Distribuição geográfica');
    expect(imgTags(String(mail.html))).toEqual([]);
    expect(mail.attachments).toEqual([]);
  });
});
