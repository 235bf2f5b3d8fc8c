import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InputError } from '../core/errors.ts';
import type { ReportStore, StoredObject } from '../core/report-store.port.ts';
import { assertValidKey, assertValidPrefix, byKey } from '../core/archive-layout.ts';

/** SigV4 presigned URLs live at most 7 days (and no longer than the signing credentials). */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface S3ReportStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix inside the bucket ('reports' or 'reports/'); keys given to the store are relative to it. */
  prefix?: string;
  /** Encrypt with this KMS key (SSE-KMS, with an S3 Bucket Key); without it objects use SSE-S3 (AES256). */
  kmsKeyId?: string;
  /** Cache-Control stored on every object. Default: private, max-age=3600. */
  cacheControl?: string;
  /** ListObjectsV2 page size (MaxKeys); S3 caps it at 1000. Tests set it small to exercise pagination. */
  pageSize?: number;
}

/** What S3 (or the SDK) put on a failed call. */
interface S3Failure {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function failure(error: unknown): S3Failure {
  return typeof error === 'object' && error !== null ? (error as S3Failure) : {};
}

function statusOf(error: unknown): number | undefined {
  return failure(error).$metadata?.httpStatusCode;
}

function codeOf(error: unknown): string | undefined {
  const f = failure(error);
  return f.Code ?? f.name;
}

/** A missing object: NoSuchKey from GET, NotFound from HEAD, or a bare 404 that is not a missing bucket. */
function isMissingKey(error: unknown): boolean {
  const code = codeOf(error);
  if (code === 'NoSuchKey' || code === 'NotFound') return true;
  return statusOf(error) === 404 && code !== 'NoSuchBucket';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `inline; filename="report.html"` so a browser shows HTML and PNG in place and saves under a useful name. */
function inlineDisposition(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return ascii === name
    ? `inline; filename="${name}"`
    : `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The report archive in S3. Objects are encrypted at rest (SSE-KMS with the given key, else SSE-S3), carry
 * the artifact's Content-Type and a private Cache-Control, and are read through presigned URLs.
 *
 * IAM: s3:PutObject, s3:GetObject, s3:ListBucket on the bucket (without ListBucket a missing key reads as
 * 403 AccessDenied, not 404), and kms:GenerateDataKey + kms:Decrypt on the key when kmsKeyId is set.
 */
export class S3ReportStore implements ReportStore {
  private readonly client: S3Client;
  readonly bucket: string;
  /** '' or ending with '/'. */
  readonly prefix: string;
  private readonly kmsKeyId: string | undefined;
  private readonly cacheControl: string;
  private readonly pageSize: number;

  constructor(options: S3ReportStoreOptions) {
    if (!options.bucket) throw new InputError('S3ReportStore needs a bucket name');
    const prefix = options.prefix ?? '';
    assertValidPrefix(prefix);
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.kmsKeyId = options.kmsKeyId || undefined;
    this.cacheControl = options.cacheControl ?? 'private, max-age=3600';
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new InputError(`S3ReportStore pageSize must be a whole number from 1 to 1000, got ${pageSize}`);
    }
    this.pageSize = pageSize;
  }

  private objectKey(key: string): string {
    assertValidKey(key);
    return this.prefix + key;
  }

  private where(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  private wrap(operation: string, key: string, error: unknown): Error {
    const code = codeOf(error) ?? 'error';
    const status = statusOf(error);
    const detail = failure(error).message ?? String(error);
    const http = status ? ` (HTTP ${status})` : '';
    return new Error(`S3 ${operation} ${this.where(key)} failed: ${code}${http}: ${detail}`, { cause: error });
  }

  private putInput(key: string, body: string | Uint8Array, contentType: string): PutObjectCommandInput {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return {
      Bucket: this.bucket,
      Key: this.objectKey(key),
      // Bytes with a known length: a string or an empty body would otherwise be sent as a stream of unknown length.
      Body: bytes,
      ContentLength: bytes.length,
      ContentType: contentType,
      CacheControl: this.cacheControl,
      ...(this.kmsKeyId
        ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.kmsKeyId, BucketKeyEnabled: true }
        : { ServerSideEncryption: 'AES256' }),
    };
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    const input = this.putInput(key, body, contentType);
    try {
      await this.client.send(new PutObjectCommand(input));
    } catch (error) {
      throw this.wrap('PutObject', key, error);
    }
  }

  /**
   * Creates the object only if the key is free (S3 conditional write, `If-None-Match: *`): true when this
   * call created it, false when the object already existed (412 PreconditionFailed). A 409
   * ConditionalRequestConflict means a concurrent write to the same key is still in flight; it is retried
   * a few times (S3's advice), and if the conflict persists the other writer is taken to own the key (false).
   */
  async putIfAbsent(key: string, body: string | Uint8Array, contentType: string): Promise<boolean> {
    const input: PutObjectCommandInput = { ...this.putInput(key, body, contentType), IfNoneMatch: '*' };
    const backoffMs = [50, 150, 400];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand(input));
        return true;
      } catch (error) {
        const status = statusOf(error);
        const code = codeOf(error);
        if (status === 412 || code === 'PreconditionFailed') return false;
        if (status === 409 || code === 'ConditionalRequestConflict') {
          const wait = backoffMs[attempt];
          if (wait === undefined) return false;
          await sleep(wait);
          continue;
        }
        throw this.wrap('PutObject (If-None-Match: *)', key, error);
      }
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      throw this.wrap('DeleteObject', key, error);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    const objectKey = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (error) {
      if (isMissingKey(error)) return null;
      throw this.wrap('GetObject', key, error);
    }
  }

  /** Every object whose key starts with `prefix` (relative to the store prefix), across all pages, in key order. */
  async list(prefix: string): Promise<StoredObject[]> {
    assertValidPrefix(prefix);
    const objects: StoredObject[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: this.client, pageSize: this.pageSize },
        { Bucket: this.bucket, Prefix: this.prefix + prefix },
      );
      for await (const page of pages) {
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined || !item.Key.startsWith(this.prefix)) continue;
          objects.push({
            key: item.Key.slice(this.prefix.length),
            size: item.Size ?? 0,
            lastModified: item.LastModified ?? new Date(0),
          });
        }
      }
    } catch (error) {
      throw this.wrap('ListObjectsV2', prefix, error);
    }
    return objects.sort(byKey);
  }

  /**
   * A presigned GET URL valid for `expiresInSeconds` (at most 7 days, and never longer than the signing
   * credentials: a Lambda role's URL dies with its session). The URL asks S3 to answer with the object's
   * own Content-Type and an inline disposition, so report.html opens in the browser instead of downloading.
   * Fails when the object does not exist.
   */
  async readUrl(key: string, expiresInSeconds: number): Promise<string> {
    const objectKey = this.objectKey(key);
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
      throw new InputError(
        `readUrl expiry must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS} (7 days), got ${expiresInSeconds}`,
      );
    }
    let contentType: string | undefined;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      contentType = head.ContentType;
    } catch (error) {
      if (isMissingKey(error)) throw new InputError(`no report object at ${this.where(key)}`, { cause: error });
      throw this.wrap('HeadObject', key, error);
    }
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: objectKey,
      ...(contentType ? { ResponseContentType: contentType } : {}),
      ResponseContentDisposition: inlineDisposition(key),
    });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }
}
