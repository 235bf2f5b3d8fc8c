import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { ReportMetrics } from '../core/report.types.ts';
import type { ChartSpec } from './charts/index.ts';
import type { I18n } from './i18n.ts';
import type { Insight } from './insights.ts';
import { hasNoActivity, kpiTiles } from './kpis.ts';

const TEMPLATE = Handlebars.compile(readFileSync(new URL('../../templates/email.mjml.hbs', import.meta.url), 'utf8'), {
  strict: true,
});

/** Gmail clips messages whose HTML is over about 102 KB. */
export const MAX_HTML_BYTES = 100 * 1024;
/** SES v1 accepts 10 MB per message. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** A chart as the email carries it: its spec (alt text, title) and its PNG. */
export interface EmailChart {
  chart: ChartSpec;
  png: Buffer;
  /** CSS pixels (the PNG holds twice as many). */
  width: number;
  height: number;
}

export interface EmailDigest {
  subject: string;
  html: string;
  text: string;
  attachments: { cid: string; filename: string; content: Buffer }[];
}

export interface EmailInput {
  metrics: ReportMetrics;
  i18n: I18n;
  charts: EmailChart[];
  insights: Insight[];
  reportUrl: string;
  /** A digest to subscribers: its footer gets an unsubscribe link, filled in per recipient by personalize(). */
  unsubscribe?: boolean;
}

/** Stands for each recipient's own unsubscribe URL until personalize() puts it in. */
export const UNSUBSCRIBE_PLACEHOLDER = 'https://unsubscribe.invalid/cbr-recipient-link';

/** One recipient's way out (RFC 2369 / RFC 8058): the one-click HTTPS URL and the mailto alternative. */
export interface UnsubscribeLinks {
  url: string;
  mailto: string;
}

export function emailSubject(m: ReportMetrics, i: I18n): string {
  return `${i.t.reportTitle} · ${m.tenantId} · ${i.period(m.period.start, m.period.end)}`;
}

/** The digest as HTML (MJML), plain text with the same numbers, and inline chart PNGs referenced by cid. */
export async function buildEmail({
  metrics: m,
  i18n: i,
  charts,
  insights,
  reportUrl,
  unsubscribe = false,
}: EmailInput): Promise<EmailDigest> {
  const subject = emailSubject(m, i);
  const tiles = kpiTiles(m, i);
  const noActivity = hasNoActivity(m);
  const cid = (c: ChartSpec) => `${c.id}@report`;
  const mjml = TEMPLATE({
    lang: i.locale,
    subject,
    preview: tiles.map((t) => `${t.label}: ${t.value}`).join(' · '),
    tenantId: m.tenantId,
    title: i.t.reportTitle,
    periodLabel: `${i.t.period}: ${i.period(m.period.start, m.period.end)}`,
    timezone: m.timezone,
    noActivity: noActivity ? i.t.noActivity : false,
    noActivityShort: i.t.noActivity,
    kpiRows: [tiles.slice(0, 2), tiles.slice(2, 4)].map((row) =>
      row.map((t) => ({ ...t, vsPrevious: i.t.vsPrevious })),
    ),
    insightsTitle: i.t.insightsTitle,
    insights,
    charts: charts.map(({ chart, width }) => ({
      title: chart.title,
      alt: chart.alt,
      empty: chart.empty,
      cid: cid(chart),
      width,
    })),
    reportUrl,
    openReport: i.t.openReport,
    footer: i.t.footer,
    unsubscribe: unsubscribe && { note: i.t.unsubscribeNote, label: i.t.unsubscribe, url: UNSUBSCRIBE_PLACEHOLDER },
  });
  const { html, errors } = await mjml2html(mjml, { validationLevel: 'strict', minify: false });
  if (errors.length) throw new Error(`email template: ${errors.map((e) => e.formattedMessage).join('; ')}`);

  const text = [
    subject,
    '',
    ...(noActivity ? [i.t.noActivity, ''] : []),
    ...tiles.map((t) => `${t.label}: ${t.value} (${t.change} ${i.t.vsPrevious}: ${t.previous})`),
    '',
    ...(insights.length ? [`${i.t.insightsTitle}:`, ...insights.map((x) => `- ${x.text}`), ''] : []),
    // Each chart's alt text starts with its title and states its numbers (or that it has none).
    ...charts.map(({ chart }) => chart.alt),
    '',
    `${i.t.openReport}: ${reportUrl}`,
    '',
    ...(unsubscribe ? [`${i.t.unsubscribeNote} ${i.t.unsubscribe}: ${UNSUBSCRIBE_PLACEHOLDER}`, ''] : []),
  ].join('\n');

  const attachments = charts
    .filter(({ chart }) => !chart.empty)
    .map(({ chart, png }) => ({ cid: cid(chart), filename: `${chart.id}.png`, content: png }));
  return { subject, html, text, attachments };
}

export interface Envelope {
  from: string;
  to: string[];
  date?: Date;
  messageId?: string;
  /** Set for a digest to one subscriber: the List-Unsubscribe headers point at their own links. */
  unsubscribe?: UnsubscribeLinks;
}

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The digest for one recipient: their unsubscribe URL in the footer, or (links null, the archived copy)
 * the footer sentence without a link, so that no working unsubscribe link is kept in the archive.
 */
export function personalize(digest: EmailDigest, links: UnsubscribeLinks | null): EmailDigest {
  if (links) {
    return {
      ...digest,
      html: digest.html.replaceAll(UNSUBSCRIBE_PLACEHOLDER, escapeAttribute(links.url)),
      text: digest.text.replaceAll(UNSUBSCRIBE_PLACEHOLDER, links.url),
    };
  }
  const anchor = new RegExp(`<a href="${UNSUBSCRIBE_PLACEHOLDER}"[^>]*>[^<]*</a>`, 'g');
  return {
    ...digest,
    html: digest.html.replace(anchor, ''),
    text: digest.text
      .split('\n')
      .filter((line) => !line.includes(UNSUBSCRIBE_PLACEHOLDER))
      .join('\n'),
  };
}

/** A standard MIME message: multipart/alternative of text and multipart/related HTML with inline PNGs. */
export async function composeMime(digest: EmailDigest, envelope: Envelope): Promise<Buffer> {
  const composer = new MailComposer({
    from: envelope.from,
    to: envelope.to,
    subject: digest.subject,
    text: digest.text,
    html: digest.html,
    date: envelope.date,
    messageId: envelope.messageId,
    ...(envelope.unsubscribe && {
      headers: {
        'List-Unsubscribe': `<${envelope.unsubscribe.url}>, <${envelope.unsubscribe.mailto}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    }),
    attachments: digest.attachments.map((a) => ({
      cid: a.cid,
      filename: a.filename,
      content: a.content,
      contentType: 'image/png',
      contentDisposition: 'inline' as const,
    })),
  });
  const message: Buffer = await new Promise((resolve, reject) =>
    composer.compile().build((error, built) => (error ? reject(error) : resolve(built))),
  );
  if (Buffer.byteLength(digest.html) > MAX_HTML_BYTES) {
    throw new Error(`email HTML is ${Buffer.byteLength(digest.html)} bytes; Gmail clips above ${MAX_HTML_BYTES}`);
  }
  if (message.length > MAX_MESSAGE_BYTES) {
    throw new Error(`email is ${message.length} bytes; the limit is ${MAX_MESSAGE_BYTES}`);
  }
  return message;
}
