import type { ConsoleBundle } from '../console/bundle.ts';
import { CONFIG_ELEMENT_ID, type ConsoleConfig } from '../console/config.ts';
import type { ApiResponse } from './http.ts';

/** The console as the API serves it: the built assets and how its users sign in. */
export interface ConsoleSite {
  bundle: ConsoleBundle;
  config: ConsoleConfig;
}

/** Where the assets live: `GET /console/<hashed name>`. */
export const ASSET_PREFIX = '/console/';

/**
 * The page's policy: its own script and style sheet only, API calls to its own origin (and, on AWS, the
 * hosted UI's token endpoint), no frames, no plug-ins, no inline code, no other host.
 */
export function consoleCsp(config: ConsoleConfig): string {
  const connect = config.auth.mode === 'cognito' ? `'self' ${config.auth.domain}` : "'self'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** index.html: the shell the bundle draws into, the config as inert JSON, asset paths relative to the page. */
export function consoleIndexHtml(site: ConsoleSite): string {
  const config = JSON.stringify(site.config).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="robots" content="noindex">
<title>Contact Behavior Reports</title>
<link rel="stylesheet" href="console/${escapeHtml(site.bundle.style)}">
<script type="application/json" id="${CONFIG_ELEMENT_ID}">${config}</script>
<script type="module" src="console/${escapeHtml(site.bundle.script)}"></script>
</head>
<body>
<div id="app"></div>
<noscript>Este console precisa de JavaScript. · This console needs JavaScript.</noscript>
</body>
</html>
`;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * The response for a console path, or undefined when the path is not the console's: `GET /` (the page,
 * never cached, so a deploy is picked up at once) and `GET /console/<file>` (hashed, cached for a year).
 */
export function consoleResponse(site: ConsoleSite, path: string): ApiResponse | undefined {
  if (path === '/' || path === '') {
    return {
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': consoleCsp(site.config),
        ...SECURITY_HEADERS,
      },
      body: consoleIndexHtml(site),
    };
  }
  if (!path.startsWith(ASSET_PREFIX)) return undefined;
  const file = site.bundle.files.get(path.slice(ASSET_PREFIX.length));
  if (!file) return undefined;
  return {
    status: 200,
    headers: {
      'content-type': file.contentType,
      'cache-control': 'public, max-age=31536000, immutable',
      ...SECURITY_HEADERS,
    },
    body: file.body,
  };
}
