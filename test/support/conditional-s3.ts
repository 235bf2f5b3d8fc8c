import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';

/**
 * A TEST DOUBLE for S3's conditional writes, in front of a real s3rver: s3rver ignores `If-None-Match: *`
 * (AWS answers 412 when the key exists). This proxy honours it the way S3 does — one conditional PUT per
 * key at a time, 412 PreconditionFailed when the object is already there — and forwards everything else
 * unchanged, so the real AWS SDK talks to real storage with real conditional-write semantics.
 */
export async function startConditionalS3(
  target: string,
): Promise<{ endpoint: string; client: S3Client; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const locks = new Map<string, Promise<unknown>>();

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    method = req.method!,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method,
          headers: { ...req.headers, host: upstream.host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      out.on('error', reject);
      out.end(method === 'HEAD' ? undefined : body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const key = (req.url ?? '').split('?')[0]!;
    const conditional = req.method === 'PUT' && req.headers['if-none-match'] === '*';
    const run = async () => {
      if (conditional) {
        // HEAD is signed differently from PUT, so ask s3rver with an unsigned GET of our own: it serves without auth.
        const exists = await new Promise<boolean>((resolve, reject) =>
          httpRequest({ host: upstream.hostname, port: upstream.port, path: key, method: 'HEAD' }, (r) => {
            r.resume();
            resolve(r.statusCode === 200);
          })
            .on('error', reject)
            .end(),
        );
        if (exists) {
          res.writeHead(412, { 'content-type': 'application/xml' });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
          );
          return;
        }
      }
      const answer = await forward(req, body);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    };
    if (!conditional) return run();
    const previous = locks.get(key) ?? Promise.resolve();
    const current = previous.then(run, run);
    locks.set(key, current);
    await current;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    client,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
