import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3ReportStore } from '../src/aws/s3-report-store.ts';
import { InputError } from '../src/core/errors.ts';
import { contentTypeOf } from '../src/core/report-store.port.ts';
import { startS3rver, type LocalS3 } from './support/local-aws.ts';

interface SentRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Records every HTTP request the client sends (after serialization, before signing). */
function recordRequests(client: S3Client): SentRequest[] {
  const sent: SentRequest[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as SentRequest;
      sent.push({
        method: request.method,
        path: request.path,
        query: { ...request.query },
        headers: { ...request.headers },
      });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
  return sent;
}

const INVALID_KEYS = ['', '/abs/key.json', 'a/../b.json', '..', 'a//b.json', 'a/', './a.json', 'a\\b.json', 'a\nb'];

describe('S3ReportStore against s3rver (real HTTP, real AWS SDK)', () => {
  let s3: LocalS3;
  let sent: SentRequest[];
  let store: S3ReportStore;

  beforeAll(async () => {
    s3 = await startS3rver({ bucket: 'reports' });
    sent = recordRequests(s3.client);
    store = new S3ReportStore({ client: s3.client, bucket: s3.bucket, prefix: 'archive' });
  });
  afterAll(async () => {
    await s3?.stop();
  });
  beforeEach(() => {
    sent.length = 0;
  });

  it('round-trips text and binary objects under the store prefix', async () => {
    const binary = randomBytes(70_000);
    binary[0] = 0;
    binary[1] = 0xff;
    await store.put('t1/2025-01/metrics.json', '{"olá":"mundo ✓"}', contentTypeOf('metrics.json'));
    await store.put('t1/2025-01/charts/volume.png', binary, contentTypeOf('volume.png'));

    expect((await store.get('t1/2025-01/metrics.json'))?.toString('utf8')).toBe('{"olá":"mundo ✓"}');
    const back = await store.get('t1/2025-01/charts/volume.png');
    expect(back).toBeInstanceOf(Buffer);
    expect(back?.equals(binary)).toBe(true);
    expect(sent.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
      '/reports/archive/t1/2025-01/metrics.json',
      '/reports/archive/t1/2025-01/charts/volume.png',
    ]);
  });

  it('stores the Content-Type given and a private Cache-Control (HeadObject)', async () => {
    await store.put('t1/2025-01/report.html', '<h1>Relatório</h1>', 'text/html; charset=utf-8');
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: 'reports', Key: 'archive/t1/2025-01/report.html' }),
    );
    expect(head.ContentType).toBe('text/html; charset=utf-8');
    expect(head.CacheControl).toMatch(/^private, max-age=\d+$/);
    expect(head.ContentLength).toBe(Buffer.byteLength('<h1>Relatório</h1>'));
  });

  it('sends SSE-S3 (AES256) by default and SSE-KMS with the key id when given (headers on the wire)', async () => {
    await store.put('t1/sse/default.csv', 'a,b\n', contentTypeOf('x.csv'));
    const kmsStore = new S3ReportStore({
      client: s3.client,
      bucket: 'reports',
      prefix: 'archive/',
      kmsKeyId: 'alias/reports',
    });
    await kmsStore.put('t1/sse/kms.csv', 'a,b\n', contentTypeOf('x.csv'));

    const [plain, kms] = sent.filter((r) => r.method === 'PUT');
    expect(plain?.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(plain?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
    expect(kms?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(kms?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/reports');
    expect(kms?.headers['x-amz-server-side-encryption-bucket-key-enabled']).toBe('true');
    expect(kms?.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(await kmsStore.get('t1/sse/kms.csv')).toEqual(Buffer.from('a,b\n'));
  });

  it('returns null for a missing key (NoSuchKey), not an error', async () => {
    expect(await store.get('t1/nope/metrics.json')).toBeNull();
    expect(await store.get('t1/2025-01')).toBeNull(); // a "folder" is no object
  });

  it('fails loudly, naming the bucket, when the bucket does not exist', async () => {
    const wrong = new S3ReportStore({ client: s3.client, bucket: 'no-such-bucket' });
    await expect(wrong.get('a.json')).rejects.toThrow(
      /GetObject s3:\/\/no-such-bucket\/a\.json failed: NoSuchBucket \(HTTP 404\)/,
    );
  });

  it('lists every page under a prefix, keys relative to the store prefix, in key order', async () => {
    const paged = new S3ReportStore({ client: s3.client, bucket: 'reports', prefix: 'archive', pageSize: 7 });
    const keys = Array.from({ length: 25 }, (_, i) => `t2/2025-02/data/part-${String(24 - i).padStart(3, '0')}.csv`);
    await Promise.all(keys.map((key, i) => paged.put(key, 'x'.repeat(i + 1), 'text/csv; charset=utf-8')));
    await paged.put('t2/2025-03/metrics.json', '{}', 'application/json; charset=utf-8');
    await paged.put('t20/2025-02/metrics.json', '{}', 'application/json; charset=utf-8');
    sent.length = 0;

    const listed = await paged.list('t2/2025-02/');
    expect(listed.map((o) => o.key)).toEqual([...keys].sort());
    expect(listed.find((o) => o.key.endsWith('part-024.csv'))?.size).toBe(1);
    expect(listed.every((o) => o.lastModified instanceof Date && !Number.isNaN(o.lastModified.getTime()))).toBe(true);
    const listCalls = sent.filter((r) => r.method === 'GET' && r.query['list-type'] === '2');
    expect(listCalls).toHaveLength(4); // 7 + 7 + 7 + 4
    expect(listCalls.slice(1).every((r) => typeof r.query['continuation-token'] === 'string')).toBe(true);

    // A prefix is a plain string prefix, as in S3: 't2/' does not match 't20/'.
    expect((await paged.list('t2/')).map((o) => o.key)).toEqual([...[...keys].sort(), 't2/2025-03/metrics.json']);
    expect(await paged.list('t9/')).toEqual([]);
  });

  it('asks for full 1000-key pages by default', async () => {
    await new S3ReportStore({ client: s3.client, bucket: 'reports' }).list('archive/t1/');
    expect(sent.map((r) => r.query['max-keys'])).toEqual(['1000']);
  });

  it('presigns a GET that serves the object with its own Content-Type, inline', async () => {
    await store.put('t1/2025-01/report.html', '<h1>Relatório</h1>', 'text/html; charset=utf-8');
    const url = await store.readUrl('t1/2025-01/report.html', 300);
    expect(url).toContain('X-Amz-Expires=300');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('inline; filename="report.html"');
    expect(await response.text()).toBe('<h1>Relatório</h1>');
  });

  it('presigned URLs expire (s3rver answers 403 once past X-Amz-Expires)', async () => {
    await store.put('t1/2025-01/metrics.json', '{}', 'application/json; charset=utf-8');
    // A few seconds of validity, so a busy machine still fetches it in time before it lapses.
    const url = await store.readUrl('t1/2025-01/metrics.json', 3);
    expect((await fetch(url)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 4_100));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
  });

  it('refuses to presign a missing object or an expiry S3 cannot honour', async () => {
    await expect(store.readUrl('t1/missing.html', 60)).rejects.toThrow(
      /no report object at s3:\/\/reports\/archive\/t1\/missing\.html/,
    );
    await store.put('t1/x.json', '{}', 'application/json; charset=utf-8');
    await expect(store.readUrl('t1/x.json', 8 * 24 * 3600)).rejects.toThrow(/7 days/);
    await expect(store.readUrl('t1/x.json', 0)).rejects.toThrow(InputError);
  });

  it('refuses invalid keys with a clear error before any request', async () => {
    for (const key of INVALID_KEYS) {
      await expect(store.put(key, 'x', 'text/plain'), key).rejects.toThrow(/invalid report key/);
      await expect(store.get(key), key).rejects.toThrow(InputError);
      await expect(store.readUrl(key, 60), key).rejects.toThrow(/invalid report key/);
      await expect(store.putIfAbsent(key, 'x', 'text/plain'), key).rejects.toThrow(/invalid report key/);
    }
    await expect(store.put('a/../../etc/passwd', 'x', 'text/plain')).rejects.toThrow(/'\.\.' segments/);
    await expect(store.list('/abs')).rejects.toThrow(/invalid report key prefix/);
    expect(() => new S3ReportStore({ client: s3.client, bucket: 'reports', prefix: '../up' })).toThrow(InputError);
    expect(sent).toEqual([]);
  });

  it('putIfAbsent sends If-None-Match: * (s3rver itself ignores the condition)', async () => {
    expect(await store.putIfAbsent('t1/idempotency/run-1.json', '{"run":1}', 'application/json')).toBe(true);
    const put = sent.find((r) => r.method === 'PUT');
    expect(put?.headers['if-none-match']).toBe('*');
    expect(put?.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect((await store.get('t1/idempotency/run-1.json'))?.toString()).toBe('{"run":1}');
  });
});

/** A minimal S3 stand-in that answers each PUT with the next scripted status. */
async function startS3Double(
  script: number[],
): Promise<{ client: S3Client; puts: () => number; stop(): Promise<void> }> {
  let puts = 0;
  const bodies: Record<number, string> = {
    409: '<Error><Code>ConditionalRequestConflict</Code><Message>A conflicting conditional operation is currently in progress against this resource. Please try again.</Message></Error>',
    412: '<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>',
    403: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
  };
  const server: Server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      const status = request.method === 'PUT' ? (script[puts++] ?? 200) : 400;
      const body = bodies[status];
      response.writeHead(status, {
        'content-type': 'application/xml',
        'x-amz-request-id': 'double',
        ...(status === 200 ? { etag: '"0123"' } : {}),
      });
      response.end(body ? `<?xml version="1.0" encoding="UTF-8"?>\n${body}` : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  return {
    client,
    puts: () => puts,
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('S3ReportStore.putIfAbsent against an in-process HTTP double of S3 conditional writes (412/409)', () => {
  it('DOUBLE: 412 PreconditionFailed means the key already exists → false', async () => {
    const double = await startS3Double([412]);
    try {
      const store = new S3ReportStore({ client: double.client, bucket: 'reports' });
      expect(await store.putIfAbsent('runs/r1.json', '{}', 'application/json')).toBe(false);
      expect(double.puts()).toBe(1);
    } finally {
      await double.stop();
    }
  });

  it('DOUBLE: 200 means this call created the key → true', async () => {
    const double = await startS3Double([200]);
    try {
      const store = new S3ReportStore({ client: double.client, bucket: 'reports' });
      expect(await store.putIfAbsent('runs/r1.json', '{}', 'application/json')).toBe(true);
    } finally {
      await double.stop();
    }
  });

  it('DOUBLE: 409 ConditionalRequestConflict is retried, then resolves by the final answer', async () => {
    const first = await startS3Double([409, 409, 200]);
    const second = await startS3Double([409, 412]);
    const third = await startS3Double([409, 409, 409, 409, 409]);
    try {
      const store = (client: S3Client) => new S3ReportStore({ client, bucket: 'reports' });
      expect(await store(first.client).putIfAbsent('runs/r1.json', '{}', 'application/json')).toBe(true);
      expect(first.puts()).toBe(3);
      expect(await store(second.client).putIfAbsent('runs/r1.json', '{}', 'application/json')).toBe(false);
      expect(second.puts()).toBe(2);
      expect(await store(third.client).putIfAbsent('runs/r1.json', '{}', 'application/json')).toBe(false);
      expect(third.puts()).toBe(4); // first try + 3 retries, then the concurrent writer owns the key
    } finally {
      await Promise.all([first.stop(), second.stop(), third.stop()]);
    }
  });

  it('DOUBLE: any other failure throws, naming the operation and the object', async () => {
    const double = await startS3Double([403]);
    try {
      const store = new S3ReportStore({ client: double.client, bucket: 'reports', prefix: 'p' });
      await expect(store.putIfAbsent('runs/r1.json', '{}', 'application/json')).rejects.toThrow(
        /PutObject \(If-None-Match: \*\) s3:\/\/reports\/p\/runs\/r1\.json failed: AccessDenied \(HTTP 403\)/,
      );
    } finally {
      await double.stop();
    }
  });
});
