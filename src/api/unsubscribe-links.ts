import { createHmac, timingSafeEqual } from 'node:crypto';
import { validateTenantId } from '../core/report-request.ts';
import { SUBSCRIPTION_ID_PATTERN } from '../core/subscriptions/subscription.ts';
import type { KeyProvider } from '../core/signing-key.port.ts';

/** Tokens carry a tenant id, a subscription id and one address: a few hundred bytes at most. */
const MAX_TOKEN_LENGTH = 1024;
const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;
/** Keeps an unsubscribe MAC from ever equalling a report-link MAC made with the same key. */
const PURPOSE = 'cbr-unsubscribe.v1:';
const EMAIL_LIKE = /^[^\s@]+@[^\s@]+$/;

/** One recipient of one subscription of one tenant. */
export interface UnsubscribeTarget {
  tenantId: string;
  subscriptionId: string;
  email: string;
}

export type UnsubscribeCheck = ({ ok: true } & UnsubscribeTarget) | { ok: false; reason: 'malformed' | 'tampered' };

/**
 * Unsubscribe tokens: `base64url(payload).base64url(HMAC-SHA256(key, purpose + payload))`, signed like
 * the archive links (src/api/report-links.ts) but for another purpose, so neither kind passes for the
 * other. They do not expire: a digest read a year later must still let its reader leave.
 */
export class UnsubscribeLinks {
  constructor(private readonly key: KeyProvider) {}

  async sign(target: UnsubscribeTarget): Promise<string> {
    validateTenantId(target.tenantId);
    if (!SUBSCRIPTION_ID_PATTERN.test(target.subscriptionId)) throw new Error('invalid subscription id');
    const payload = { t: target.tenantId, s: target.subscriptionId, r: target.email.trim().toLowerCase() };
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${encoded}.${mac(await this.key(), encoded).toString('base64url')}`;
  }

  /** Constant-time MAC check first, so a forged token is 'tampered' whatever its payload says. */
  async verify(token: string): Promise<UnsubscribeCheck> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN.test(token)) {
      return { ok: false, reason: 'malformed' };
    }
    const [encoded, signature] = token.split('.') as [string, string];
    const given = Buffer.from(signature, 'base64url');
    const expected = mac(await this.key(), encoded);
    if (
      given.toString('base64url') !== signature ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      return { ok: false, reason: 'tampered' };
    }
    let payload: { t?: unknown; s?: unknown; r?: unknown };
    try {
      payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as typeof payload;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const { t, s, r } = payload ?? {};
    if (typeof t !== 'string' || typeof s !== 'string' || typeof r !== 'string')
      return { ok: false, reason: 'malformed' };
    if (!SUBSCRIPTION_ID_PATTERN.test(s) || !EMAIL_LIKE.test(r)) return { ok: false, reason: 'malformed' };
    try {
      validateTenantId(t);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    return { ok: true, tenantId: t, subscriptionId: s, email: r };
  }
}

function mac(key: Buffer, encodedPayload: string): Buffer {
  return createHmac('sha256', key)
    .update(PURPOSE + encodedPayload)
    .digest();
}

/** The headers and footer link of one recipient's digest (RFC 2369 and RFC 8058 one-click). */
export interface UnsubscribeInfo {
  url: string;
  mailto: string;
}

export function unsubscribeUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/unsubscribe/${token}`;
}

/** `mailto:<address>?subject=unsubscribe%20<token>`: the mail alternative List-Unsubscribe should offer. */
export function unsubscribeMailto(address: string, token: string): string {
  return `mailto:${address}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`;
}

/** A function the pipeline calls per recipient to build that recipient's unsubscribe links. */
export type UnsubscribeLinkFactory = (target: UnsubscribeTarget) => Promise<UnsubscribeInfo>;

export function unsubscribeLinkFactory(
  links: UnsubscribeLinks,
  baseUrl: string,
  mailbox: string,
): UnsubscribeLinkFactory {
  return async (target) => {
    const token = await links.sign(target);
    return { url: unsubscribeUrl(baseUrl, token), mailto: unsubscribeMailto(mailbox, token) };
  };
}
