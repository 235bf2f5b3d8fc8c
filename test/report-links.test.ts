import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportLinks } from '../src/api/report-links.ts';
import { ssmExtensionKey } from '../src/aws/ssm-extension-key.ts';
import { DEFAULT_LINK_TTL_DAYS } from '../src/core/link-lifetime.ts';
import { onceKey } from '../src/core/signing-key.port.ts';
import { fileKeyProvider } from '../src/local/file-key.ts';
import { removeDir, tempDir } from './support/lake-builder.ts';

const KEY = randomBytes(32);
const REPORT = 'tenants/acme/reports/acme-weekly--2026-11-16_2026-11-22/report.html';
const T0 = new Date('2026-11-23T11:00:00Z');

function linksAt(at: Date, key: Buffer = KEY, ttlDays?: number) {
  return new ReportLinks({ key: async () => key, now: () => at, ...(ttlDays && { ttlDays }) });
}
const days = (n: number) => n * 24 * 3600 * 1000;
const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
/** The same token with one character of a part swapped for another base64url character. */
function flip(token: string, part: 0 | 1, at = 5): string {
  const parts = token.split('.');
  const text = parts[part]!;
  parts[part] = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
  return parts.join('.');
}

describe('signed report links', () => {
  it('opens the one report it was signed for, until it expires', async () => {
    const token = await linksAt(T0).sign('acme', REPORT);

    const check = await linksAt(new Date(T0.getTime() + days(89))).verify(token);

    expect(check).toEqual({
      ok: true,
      tenantId: 'acme',
      reportKey: REPORT,
      expiresAt: new Date(T0.getTime() + days(90)),
    });
  });

  it('carries tenant, key and expiry in the payload, and lives 90 days by default', async () => {
    const token = await linksAt(T0).sign('acme', REPORT);

    expect(DEFAULT_LINK_TTL_DAYS).toBe(90);
    expect(payloadOf(token)).toEqual({ t: 'acme', k: REPORT, exp: (T0.getTime() + days(90)) / 1000 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('takes a configured lifetime', async () => {
    const token = await linksAt(T0, KEY, 7).sign('acme', REPORT);

    expect(await linksAt(new Date(T0.getTime() + days(7) - 1000), KEY, 7).verify(token)).toMatchObject({ ok: true });
    expect(await linksAt(new Date(T0.getTime() + days(7)), KEY, 7).verify(token)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(() => new ReportLinks({ key: async () => KEY, ttlDays: 0 })).toThrow(/whole number of days/);
  });

  it('reports an expired link as expired', async () => {
    const token = await linksAt(T0).sign('acme', REPORT);

    const check = await linksAt(new Date(T0.getTime() + days(91))).verify(token);

    expect(check).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a tampered payload, even one that would extend the expiry or change the report', async () => {
    const token = await linksAt(T0).sign('acme', REPORT);
    const [, signature] = token.split('.');
    const forged = (payload: object) => `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;

    const links = linksAt(T0);
    expect(await links.verify(flip(token, 0))).toEqual({ ok: false, reason: 'tampered' });
    expect(await links.verify(forged({ t: 'acme', k: REPORT, exp: 4102444800 }))).toEqual({
      ok: false,
      reason: 'tampered',
    });
    expect(
      await links.verify(forged({ t: 'globex', k: REPORT.replace('acme', 'globex'), exp: payloadOf(token).exp })),
    ).toEqual({ ok: false, reason: 'tampered' });
  });

  it('refuses a tampered signature', async () => {
    const token = await linksAt(T0).sign('acme', REPORT);

    for (const at of [0, 10, 20, 41]) {
      expect(await linksAt(T0).verify(flip(token, 1, at))).toEqual({ ok: false, reason: 'tampered' });
    }
  });

  it('refuses a non-canonical spelling of the signature (the spare bits of its last character)', async () => {
    const token = await linksAt(T0).sign('acme', REPORT);
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!; // same 6-bit group but for the lowest (spare) bit

    expect(await linksAt(T0).verify(token.slice(0, -1) + sibling)).toEqual({ ok: false, reason: 'tampered' });
  });

  it('refuses a link signed with another key, and an expired one from another key is still not "expired"', async () => {
    const token = await linksAt(T0, randomBytes(32)).sign('acme', REPORT);

    expect(await linksAt(T0).verify(token)).toEqual({ ok: false, reason: 'tampered' });
    expect(await linksAt(new Date(T0.getTime() + days(365))).verify(token)).toEqual({
      ok: false,
      reason: 'tampered',
    });
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['three parts', 'a.b.c'],
    ['bad characters', 'ab+c.' + 'x'.repeat(43)],
    ['short signature', 'abc.def'],
    ['huge', 'a'.repeat(5000) + '.' + 'x'.repeat(43)],
  ])('refuses a malformed token (%s)', async (_what, token) => {
    expect(await linksAt(T0).verify(token)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a correctly signed payload that is not a link (so signing bugs cannot open other keys)', async () => {
    const { createHmac } = await import('node:crypto');
    const sign = (payload: unknown) => {
      const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${encoded}.${createHmac('sha256', KEY).update(encoded).digest('base64url')}`;
    };

    const links = linksAt(T0);
    expect(await links.verify(sign({ t: 'acme', k: 'tenants/globex/reports/x/report.html', exp: 4102444800 }))).toEqual(
      { ok: false, reason: 'malformed' },
    );
    expect(await links.verify(sign({ t: 'acme', k: 'tenants/acme/../globex/x', exp: 4102444800 }))).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(await links.verify(sign({ t: 'acme', k: REPORT, exp: 'never' }))).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(await links.verify(sign('just a string'))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('will not sign a key outside the tenant folder', async () => {
    await expect(linksAt(T0).sign('acme', 'tenants/globex/reports/x/report.html')).rejects.toThrow(/outside tenant/);
    await expect(linksAt(T0).sign('ACME', REPORT)).rejects.toThrow(/invalid tenant id/);
  });
});

describe('link-signing keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('cbr-keys-');
  });
  afterEach(() => removeDir(dir));

  it('creates a key file of 32 random bytes with mode 0600 on first use', async () => {
    const file = path.join(dir, '.cbr', 'link-key');

    const key = await fileKeyProvider(file)();

    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).equals(key)).toBe(true);
  });

  it('reuses the key file: links signed before a restart still verify', async () => {
    const file = path.join(dir, 'link-key');
    const token = await new ReportLinks({ key: fileKeyProvider(file), now: () => T0 }).sign('acme', REPORT);

    const again = new ReportLinks({ key: fileKeyProvider(file), now: () => T0 });

    expect(await again.verify(token)).toMatchObject({ ok: true });
    expect((await fileKeyProvider(file)()).equals(readFileSync(file))).toBe(true);
  });

  it('gives concurrent first users one and the same key', async () => {
    const file = path.join(dir, 'link-key');

    const keys = await Promise.all(Array.from({ length: 8 }, () => fileKeyProvider(file)()));

    for (const key of keys) expect(key.equals(keys[0]!)).toBe(true);
  });

  it('refuses a key file that is too short to be a key', async () => {
    const file = path.join(dir, 'link-key');
    writeFileSync(file, 'short');

    await expect(fileKeyProvider(file)()).rejects.toThrow(/at least 32 are needed/);
  });

  it('asks a key source once, and again after a failure', async () => {
    let calls = 0;
    const provider = onceKey(async () => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return KEY;
    });

    await expect(provider()).rejects.toThrow('throttled');
    expect(await provider()).toBe(KEY);
    expect(await provider()).toBe(KEY);
    expect(calls).toBe(2);
  });

  it('reads the AWS key from SSM through the Parameters and Secrets extension, with the session token', async () => {
    const seen: { url?: string; token?: string } = {};
    const server = createServer((req, res) => {
      seen.url = req.url;
      seen.token = req.headers['x-aws-parameters-secrets-token'] as string;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ Parameter: { Name: '/cbr/link-key', Value: KEY.toString('base64') } }));
    });
    await new Promise<void>((resolve) => server.listen(0, resolve)); // every interface: 'localhost' may be ::1
    const port = String((server.address() as AddressInfo).port);
    try {
      const provider = ssmExtensionKey('/cbr/link-key', {
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: port,
        AWS_SESSION_TOKEN: 'session-token',
      });
      const key = await provider();

      expect(key.equals(KEY)).toBe(true);
      expect(seen).toEqual({
        url: '/systemsmanager/parameters/get?name=%2Fcbr%2Flink-key&withDecryption=true',
        token: 'session-token',
      });
    } finally {
      server.close();
    }
  });
});
