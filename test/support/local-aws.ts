/**
 * Real local AWS peers for tests, each on a free port of 127.0.0.1, started and stopped by the test itself.
 *
 * - s3rver 3.7 runs in a child process. Its ListObjectsV2 continuation tokens are encrypted with single DES,
 *   which OpenSSL 3 (Node 17+) no longer offers, so every truncated listing answers 500 InternalError.
 *   The child swaps 'des' for the equivalent 3DES with K1=K2=K3 before loading s3rver; keeping that patch
 *   (and s3rver's winston logger) out of the test process is why it is a child. It also ignores
 *   `If-None-Match: *` (conditional writes need a double) but honours presigned-URL expiry (403).
 * - aws-ses-v2-local 2.10 runs in-process (an express app; stops at once after closing its keep-alive
 *   sockets). Its captured-email store is module-global, so every server in one process shares it:
 *   startSesLocal clears it on start. For raw messages it records recipients from the MIME To header (one
 *   joined string), not from Destination, and its /get-emlContent re-encodes attachments wrongly (binary
 *   content comes back as base64 text); the bytes in /store are right.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import sesLocalModule from 'aws-ses-v2-local';

const require = createRequire(import.meta.url);
const FAKE_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; // s3rver's built-in account
const REGION = 'us-east-1';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  client: S3Client;
  stop(): Promise<void>;
}

/** Runs in the child: CommonJS, configured by S3RVER_CONFIG, prints {"port":N} once listening. */
const S3RVER_CHILD = `
const crypto = require('node:crypto');
const viaTripleDes = (create) => (algorithm, key, iv, options) =>
  String(algorithm).toLowerCase() === 'des' || String(algorithm).toLowerCase() === 'des-cbc'
    ? create('des-ede3-cbc', Buffer.concat([key, key, key]), iv, options)
    : create(algorithm, key, iv, options);
crypto.createCipheriv = viaTripleDes(crypto.createCipheriv);
crypto.createDecipheriv = viaTripleDes(crypto.createDecipheriv);
const config = JSON.parse(process.env.S3RVER_CONFIG);
const S3rver = require(config.modulePath);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: config.directory,
  configureBuckets: [{ name: config.bucket }],
});
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'),
  (error) => { console.error(error); process.exit(1); },
);
const quit = () => process.exit(0);
process.on('SIGTERM', quit);
process.stdin.on('end', quit); // the test process went away
process.stdin.resume();
`;

/** Starts s3rver (temp directory, one bucket) on a free port; stop() kills it and deletes the directory. */
export async function startS3rver(options: { bucket?: string } = {}): Promise<LocalS3> {
  const bucket = options.bucket ?? 'reports';
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const child = spawn(process.execPath, ['-e', S3RVER_CHILD], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      S3RVER_CONFIG: JSON.stringify({ modulePath: require.resolve('s3rver'), directory, bucket }),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`s3rver did not start in 15 s: ${stderr}`)), 15_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited with code ${code} before listening: ${stderr}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: REGION, credentials: FAKE_CREDENTIALS });
  return {
    endpoint,
    bucket,
    client,
    async stop() {
      client.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** One email as aws-ses-v2-local captured it (its mailparser view of the message). */
export interface CapturedEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: {
    filename?: string;
    contentType: string;
    contentDisposition?: string;
    cid?: string;
    related?: boolean;
    /** base64 */
    content: string;
    size: number;
  }[];
  /** epoch seconds */
  at: number;
}

export interface LocalSes {
  endpoint: string;
  client: SESv2Client;
  /** Every email captured since this server started. */
  emails(): Promise<CapturedEmail[]>;
  /** The server's re-rendering of one captured email as .eml (attachments' binary content is not faithful). */
  eml(messageId: string): Promise<Buffer>;
  stop(): Promise<void>;
}

type StartSesLocal = (config?: { host?: string; port?: number }) => Promise<Server>;

/** Starts aws-ses-v2-local in this process on a free port, with an empty store. */
export async function startSesLocal(): Promise<LocalSes> {
  // The package is CommonJS with `exports.default = server`. Node's ESM (tsx) gives module.exports as the
  // default import, so the function is its `.default`; vitest's interop already unwraps it.
  const loaded = sesLocalModule as unknown as StartSesLocal | { default: StartSesLocal };
  const start = typeof loaded === 'function' ? loaded : loaded.default;
  const server = await start({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const cleared = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
  if (!cleared.ok) throw new Error(`aws-ses-v2-local: clearing the store answered ${cleared.status}`);
  const client = new SESv2Client({ endpoint, region: REGION, credentials: FAKE_CREDENTIALS });
  return {
    endpoint,
    client,
    async emails() {
      const response = await fetch(`${endpoint}/store`);
      if (!response.ok) throw new Error(`aws-ses-v2-local: GET /store answered ${response.status}`);
      return ((await response.json()) as { emails: CapturedEmail[] }).emails;
    },
    async eml(messageId) {
      const response = await fetch(`${endpoint}/get-emlContent?messageId=${encodeURIComponent(messageId)}`);
      if (!response.ok) throw new Error(`aws-ses-v2-local: GET /get-emlContent answered ${response.status}`);
      const { body } = (await response.json()) as { body: { data: number[] } };
      return Buffer.from(body.data);
    },
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
