import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The local stand-in for S3 presigned GET URLs: `<baseUrl>/files/<key>?exp=<epoch s>&sig=<mac>`, where mac
 * is HMAC-SHA256 over the key and expiry with a key that lives only as long as the server process.
 */
export class LocalFileUrls {
  private readonly key = randomBytes(32);

  constructor(
    private readonly baseUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  sign(key: string, expiresInSeconds: number): string {
    const exp = Math.floor(this.now().getTime() / 1000) + expiresInSeconds;
    const path = key.split('/').map(encodeURIComponent).join('/');
    return `${this.baseUrl.replace(/\/+$/, '')}/files/${path}?exp=${exp}&sig=${this.mac(key, exp)}`;
  }

  /** 'ok' only for an untampered, unexpired URL of exactly this key. */
  verify(key: string, exp: string | null, sig: string | null): 'ok' | 'invalid' | 'expired' {
    if (!exp || !/^\d{1,12}$/.test(exp) || !sig) return 'invalid';
    const given = Buffer.from(sig, 'base64url');
    const expected = Buffer.from(this.mac(key, Number(exp)), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return this.now().getTime() >= Number(exp) * 1000 ? 'expired' : 'ok';
  }

  private mac(key: string, exp: number): string {
    return createHmac('sha256', this.key).update(`files\n${key}\n${exp}`).digest('base64url');
  }
}
