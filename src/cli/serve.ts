import deployed from '../../subscriptions.json' with { type: 'json' };
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalJwtAuthenticator, type SigningKey } from '../api/auth.ts';
import { DEV_TOKEN_PATH } from '../console/config.ts';
import { devSignIn } from './dev-sign-in.ts';
import { createApi, generateOnDemand, REDIRECT_SECONDS, type ApiDeps } from '../api/handlers.ts';
import {
  errorResponse,
  MAX_BODY_BYTES,
  NotFoundError,
  PayloadTooLargeError,
  type ApiRequest,
  type ApiResponse,
} from '../api/http.ts';
import { LocalFileUrls } from '../api/local-files.ts';
import type { ReportJob } from '../api/report-jobs.ts';
import { ReportLinks } from '../api/report-links.ts';
import { assertValidKey } from '../core/archive-layout.ts';
import { contentTypeOf } from '../core/report-store.port.ts';
import { parseSubscriptions, type Subscription } from '../core/subscription.ts';
import { duckDbEngineFactory } from '../local/duckdb-engine.ts';
import { fileKeyProvider } from '../local/file-key.ts';
import { FolderReportStore } from '../local/folder-report-store.ts';
import { OutboxMailer } from '../local/outbox-mailer.ts';

export const LOCAL_API_SENDER = 'Contact Behavior Reports <reports@cbr.localhost>';

export interface LocalServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: the development server is not meant to be reachable from other machines. */
  host?: string;
  lakeDir: string;
  archiveDir: string;
  outboxDir: string;
  /** Created with 32 random bytes (mode 0600) on first use, e.g. `.cbr/link-key`. */
  linkKeyFile: string;
  /** The HS256 key local tokens are signed with (see signDevToken), at least 32 bytes. */
  jwtKey: SigningKey;
  /** Public base URL used in links; default `http://<host>:<port>`. */
  baseUrl?: string;
  linkTtlDays?: number;
  subscriptions?: readonly Subscription[];
  now?: () => Date;
  /**
   * Serve the admin console at `/` (built with esbuild at start-up) with its development sign-in,
   * `POST /dev/token`, which mints tokens like `cbr token` for whoever reaches the server: local use only.
   */
  console?: boolean;
}

export interface LocalServer {
  url: string;
  /** Resolves when every report generation started so far has finished. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The report API on node:http with local adapters: DuckDB over a lake folder, the archive in a folder, mail
 * to an outbox folder, generation as an in-process promise, and `/files/<key>?exp&sig` standing in for S3
 * presigned URLs. The routes are the very handlers the Lambda runs.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const store = new FolderReportStore({ root: options.archiveDir });

  // Listen first: the base URL of links (and so every adapter) needs the port a free-port request got.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  const baseUrl = options.baseUrl ?? url;
  const files = new LocalFileUrls(baseUrl, now);
  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/files/')) return serveFile(req, res, url);
    const body = await readBody(req);
    if (body === undefined) {
      res.setHeader('connection', 'close');
      return send(res, errorResponse(new PayloadTooLargeError()));
    }
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) if (!(name in query)) query[name] = value;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request: ApiRequest = { method: req.method ?? 'GET', path: url.pathname, query, headers };
    if (body !== '') request.body = body;
    if (options.console && url.pathname === DEV_TOKEN_PATH) {
      return send(res, await devSignIn(request, options.jwtKey));
    }
    send(res, await api(request));
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const plain = (status: number, text: string) =>
      send(res, {
        status,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        body: text,
      });
    if (req.method !== 'GET') return plain(405, 'method not allowed');
    let key: string;
    try {
      key = url.pathname.slice('/files/'.length).split('/').map(decodeURIComponent).join('/');
      assertValidKey(key);
    } catch {
      return plain(404, 'not found');
    }
    const check = files.verify(key, url.searchParams.get('exp'), url.searchParams.get('sig'));
    if (check !== 'ok') return plain(403, check === 'expired' ? 'this URL has expired' : 'this URL is not valid');
    const body = await store.get(key);
    if (!body) return plain(404, 'not found');
    res.writeHead(200, {
      'content-type': contentTypeOf(key),
      'content-length': body.length,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'content-disposition': `inline; filename="${key.slice(key.lastIndexOf('/') + 1)}"`,
    });
    res.end(body);
  }

  const pending = new Set<Promise<unknown>>();
  const deps: ApiDeps = {
    authenticator: new LocalJwtAuthenticator({ key: options.jwtKey, now }),
    store,
    mailer: new OutboxMailer({ outbox: options.outboxDir, now }),
    openEngine: duckDbEngineFactory({ lakeDir: options.lakeDir }),
    sender: LOCAL_API_SENDER,
    now,
    links: new ReportLinks({ key: fileKeyProvider(options.linkKeyFile), ttlDays: options.linkTtlDays, now }),
    baseUrl,
    subscriptions: options.subscriptions ?? parseSubscriptions(deployed),
    startGeneration: async (job: ReportJob) => {
      // After the response: the caller polls GET /reports/{id}.
      const work = new Promise((resolve) => setImmediate(resolve)).then(() => generateOnDemand(job, deps));
      const tracked = work.catch((error: unknown) =>
        console.error(JSON.stringify({ level: 'error', message: 'report generation crashed', error: String(error) })),
      );
      pending.add(tracked);
      void tracked.finally(() => pending.delete(tracked));
    },
    presign: async (key) => {
      if (!(await store.get(key))) throw new NotFoundError(`no archived object ${key}`);
      return files.sign(key, REDIRECT_SECONDS);
    },
  };
  if (options.console) {
    const { buildConsole } = await import('../console/build.ts');
    deps.console = { bundle: await buildConsole(), config: { auth: { mode: 'local' } } };
  }
  const api = createApi(deps);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void respond(req, res).catch((error: unknown) => send(res, errorResponse(error)));
  });

  const settled = async () => {
    while (pending.size) await Promise.all([...pending]);
  };
  return {
    url,
    settled,
    close: async () => {
      await settled();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** The body as text, or undefined when it is larger than the API accepts (reading stops there). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData).pause(); // the response closes the connection
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, response: ApiResponse): void {
  if (res.headersSent) return void res.end();
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}
