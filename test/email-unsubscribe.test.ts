import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNSUBSCRIBE_PLACEHOLDER } from '../src/render/email.ts';
import { renderReport, type RenderedReport } from '../src/render/render-report.ts';
import { goldenMetrics } from './support/sample-metrics.ts';

const links = (who: string) => ({
  url: `https://api.example.com/unsubscribe/tok-${who}`,
  mailto: `mailto:unsubscribe@example.com?subject=unsubscribe%20tok-${who}`,
});

const render = (locale: 'pt-BR' | 'en') =>
  renderReport(goldenMetrics('busy-week'), {
    locale,
    reportUrl: 'https://reports.example.com/r/token-123',
    from: 'Reports <reports@example.com>',
    to: ['ana@acme.example.com', 'bruno@acme.example.com'],
    now: new Date('2026-11-23T11:00:00Z'),
    unsubscribe: true,
  });

describe('a digest to subscribers carries each recipient’s own way out', () => {
  let pt: RenderedReport;
  let en: RenderedReport;
  beforeAll(async () => {
    [pt, en] = await Promise.all([render('pt-BR'), render('en')]);
  });

  it('has List-Unsubscribe (HTTPS and mailto) and one-click List-Unsubscribe-Post, read back from the .eml', async () => {
    const mail = await simpleParser(await pt.messageFor('ana@acme.example.com', links('ana')));
    // mailparser gathers the List-* headers into one structured "list" header.
    expect(mail.headers.get('list')).toEqual({
      unsubscribe: {
        url: 'https://api.example.com/unsubscribe/tok-ana',
        mail: 'unsubscribe@example.com?subject=unsubscribe%20tok-ana',
      },
      'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' },
    });
    const raw = (await pt.messageFor('ana@acme.example.com', links('ana'))).toString('latin1');
    const header = /^List-Unsubscribe: (.*(?:\r\n[ \t].*)*)/m.exec(raw)![1]!.replace(/\r\n[ \t]+/g, ' ');
    expect(header).toBe(
      '<https://api.example.com/unsubscribe/tok-ana>, <mailto:unsubscribe@example.com?subject=unsubscribe%20tok-ana>',
    );
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([
      'ana@acme.example.com',
    ]);
  });

  it('shows a visible unsubscribe link in the footer, in each locale, with that recipient’s URL', async () => {
    const ptMail = await simpleParser(await pt.messageFor('ana@acme.example.com', links('ana')));
    expect(String(ptMail.html)).toMatch(
      /Não quer mais receber este resumo\? <a href="https:\/\/api\.example\.com\/unsubscribe\/tok-ana"[^>]*>Cancelar inscrição<\/a>/,
    );
    expect(ptMail.text).toContain('Cancelar inscrição: https://api.example.com/unsubscribe/tok-ana');
    const enMail = await simpleParser(await en.messageFor('bruno@acme.example.com', links('bruno')));
    expect(String(enMail.html)).toMatch(
      /No longer want this digest\? <a href="https:\/\/api\.example\.com\/unsubscribe\/tok-bruno"[^>]*>Unsubscribe<\/a>/,
    );
    expect(String(enMail.html)).not.toContain('tok-ana');
  });

  it('keeps no working link and no placeholder in the archived copy', async () => {
    const archived = await simpleParser(pt.eml);
    expect(archived.headers.has('list')).toBe(false);
    expect(String(archived.html)).toContain('Não quer mais receber este resumo?');
    expect(String(archived.html)).not.toContain(UNSUBSCRIBE_PLACEHOLDER);
    expect(archived.text).not.toContain(UNSUBSCRIBE_PLACEHOLDER);
    expect(pt.files.get('email.html')!.toString()).not.toContain(UNSUBSCRIBE_PLACEHOLDER);
  });

  it('adds nothing to a digest that is not to subscribers', async () => {
    const plain = await renderReport(goldenMetrics('busy-week'), {
      locale: 'en',
      reportUrl: 'https://reports.example.com/r/token-123',
      from: 'Reports <reports@example.com>',
      to: ['ana@acme.example.com'],
    });
    const mail = await simpleParser(plain.eml);
    expect(String(mail.html)).not.toContain('No longer want this digest?');
    expect(mail.headers.has('list')).toBe(false);
  });
});
