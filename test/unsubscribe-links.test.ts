import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReportLinks } from '../src/api/report-links.ts';
import { UnsubscribeLinks, unsubscribeMailto, unsubscribeUrl } from '../src/api/unsubscribe-links.ts';

const key = randomBytes(32);
const links = new UnsubscribeLinks(async () => key);
const target = { tenantId: 'acme', subscriptionId: 'acme-weekly', email: 'Ana@Acme.example.com' };

describe('unsubscribe tokens', () => {
  it('round-trip tenant, subscription and (lower-cased) recipient', async () => {
    const token = await links.sign(target);
    expect(await links.verify(token)).toEqual({
      ok: true,
      tenantId: 'acme',
      subscriptionId: 'acme-weekly',
      email: 'ana@acme.example.com',
    });
  });

  it('refuse a token whose payload was changed (another recipient, subscription or tenant): tampered', async () => {
    const token = await links.sign(target);
    const [, mac] = token.split('.');
    for (const other of [
      { t: 'acme', s: 'acme-weekly', r: 'bruno@acme.example.com' },
      { t: 'acme', s: 'acme-daily', r: 'ana@acme.example.com' },
      { t: 'globex', s: 'acme-weekly', r: 'ana@acme.example.com' },
    ]) {
      const forged = `${Buffer.from(JSON.stringify(other)).toString('base64url')}.${mac}`;
      expect(await links.verify(forged)).toEqual({ ok: false, reason: 'tampered' });
    }
  });

  it('refuse a token signed with another key, a report-link token, and junk', async () => {
    const other = new UnsubscribeLinks(async () => randomBytes(32));
    expect(await links.verify(await other.sign(target))).toEqual({ ok: false, reason: 'tampered' });
    const reportToken = await new ReportLinks({ key: async () => key }).sign(
      'acme',
      'tenants/acme/reports/x/report.html',
    );
    expect((await links.verify(reportToken)).ok).toBe(false);
    for (const junk of ['', 'abc', 'a.b', `${'x'.repeat(2000)}.${'y'.repeat(43)}`]) {
      expect(await links.verify(junk)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('build the URL and the mailto the headers carry', () => {
    expect(unsubscribeUrl('https://api.example.com/', 'abc.def')).toBe('https://api.example.com/unsubscribe/abc.def');
    expect(unsubscribeMailto('unsubscribe@example.com', 'abc.def')).toBe(
      'mailto:unsubscribe@example.com?subject=unsubscribe%20abc.def',
    );
  });
});
