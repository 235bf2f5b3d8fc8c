import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertValidKey, tenantPrefix } from '../core/archive-layout.ts';
import { InputError } from '../core/errors.ts';
import { DEFAULT_LINK_TTL_DAYS, MAX_LINK_TTL_DAYS } from '../core/link-lifetime.ts';
import { validateTenantId } from '../core/report-request.ts';
import type { KeyProvider } from '../core/signing-key.port.ts';

const DAY_SECONDS = 24 * 3600;
/** Far more than any real token (a tenant id and a key of a few hundred bytes); stops hashing junk. */
const MAX_TOKEN_LENGTH = 4096;
const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/; // base64url payload '.' base64url of 32 bytes

/** What a link token carries: the tenant, the one object it opens, and when it stops working (epoch seconds). */
interface LinkPayload {
  t: string;
  k: string;
  exp: number;
}

export type LinkRejection = 'malformed' | 'tampered' | 'expired';

export type LinkCheck =
  { ok: true; tenantId: string; reportKey: string; expiresAt: Date } | { ok: false; reason: LinkRejection };

export interface ReportLinksOptions {
  key: KeyProvider;
  /** How long a link works, in days (default 90). */
  ttlDays?: number;
  now?: () => Date;
}

/**
 * Links to one archived report that can be forwarded inside the company: `base64url(payload).base64url(mac)`
 * where mac = HMAC-SHA256(key, base64url(payload)). Whoever holds the link may read that one object until
 * it expires; nothing else. Verification compares in constant time and checks expiry only once the
 * signature holds, so a forged token is always 'tampered', never 'expired'.
 */
export class ReportLinks {
  readonly ttlSeconds: number;
  private readonly key: KeyProvider;
  private readonly now: () => Date;

  constructor(options: ReportLinksOptions) {
    const days = options.ttlDays ?? DEFAULT_LINK_TTL_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > MAX_LINK_TTL_DAYS) {
      throw new InputError(`link lifetime must be a whole number of days from 1 to ${MAX_LINK_TTL_DAYS}, got ${days}`);
    }
    this.ttlSeconds = days * DAY_SECONDS;
    this.key = options.key;
    this.now = options.now ?? (() => new Date());
  }

  async sign(tenantId: string, reportKey: string, options: { expiresAt?: Date } = {}): Promise<string> {
    assertOwnedKey(validateTenantId(tenantId), reportKey);
    const exp = options.expiresAt
      ? Math.floor(options.expiresAt.getTime() / 1000)
      : Math.floor(this.now().getTime() / 1000) + this.ttlSeconds;
    const payload: LinkPayload = { t: tenantId, k: reportKey, exp };
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${encoded}.${mac(await this.key(), encoded).toString('base64url')}`;
  }

  async verify(token: string): Promise<LinkCheck> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN.test(token)) {
      return { ok: false, reason: 'malformed' };
    }
    const [encoded, signature] = token.split('.') as [string, string];
    const given = Buffer.from(signature, 'base64url');
    const expected = mac(await this.key(), encoded);
    // A 43-character base64url string has two spare bits: insist on the canonical spelling of the MAC.
    const canonical = given.toString('base64url') === signature;
    if (!canonical || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'tampered' };
    }

    const payload = parsePayload(encoded);
    if (!payload) return { ok: false, reason: 'malformed' };
    if (this.now().getTime() >= payload.exp * 1000) return { ok: false, reason: 'expired' };
    return { ok: true, tenantId: payload.t, reportKey: payload.k, expiresAt: new Date(payload.exp * 1000) };
  }
}

function mac(key: Buffer, encodedPayload: string): Buffer {
  return createHmac('sha256', key).update(encodedPayload).digest();
}

/** A link may only open an object in its own tenant's folder. */
function assertOwnedKey(tenantId: string, key: string): void {
  assertValidKey(key);
  if (!key.startsWith(tenantPrefix(tenantId))) {
    throw new InputError(`report key ${JSON.stringify(key)} is outside tenant ${tenantId}'s folder`);
  }
}

function parsePayload(encoded: string): LinkPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const p = value as Partial<LinkPayload> | null;
  if (typeof p?.t !== 'string' || typeof p.k !== 'string' || !Number.isSafeInteger(p.exp)) return undefined;
  try {
    assertOwnedKey(validateTenantId(p.t), p.k);
  } catch {
    return undefined;
  }
  return p as LinkPayload;
}

/** The absolute URL of a link: `<baseUrl>/r/<token>`. */
export function linkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/r/${token}`;
}

/**
 * A `reportLink` for the scheduled pipeline (PipelineDeps.reportLink): the digest's "open the report"
 * button then carries the same long-lived signed link as on-demand reports.
 */
export function signedReportLink(links: ReportLinks, baseUrl: string) {
  return async (tenantId: string, reportKey: string): Promise<string> =>
    linkUrl(baseUrl, await links.sign(tenantId, reportKey));
}
