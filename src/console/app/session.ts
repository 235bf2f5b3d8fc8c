import { DEV_TOKEN_PATH, type ConsoleAuth } from '../config.ts';

/** Who is signed in. The token goes to the API as `Authorization: Bearer`; the claims are only shown. */
export interface Session {
  token: string;
  /** Epoch milliseconds; past it the session is gone. */
  expiresAt: number;
  tenantId: string;
  profile: string;
  email: string | undefined;
}

/**
 * Kept in sessionStorage: it survives a reload of this tab, not the tab itself, and is never written to a URL,
 * a cookie or localStorage.
 */
const SESSION_KEY = 'cbr.session';
/** The PKCE verifier and state of a sign-in in progress (the hosted UI round trip). */
const PENDING_KEY = 'cbr.pkce';

function base64UrlDecode(part: string): string {
  const base64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Reads the claims the console displays from a JWT the API will verify; a token it cannot read is refused. */
export function sessionFromToken(token: string): Session {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  const claims = JSON.parse(base64UrlDecode(payload)) as Record<string, unknown>;
  const tenantId = claims['custom:tenant_id'];
  const exp = claims.exp;
  if (typeof tenantId !== 'string' || typeof exp !== 'number') throw new Error('the token lacks the tenant or expiry');
  const profile = claims['custom:profile'];
  const email = claims.email;
  return {
    token,
    expiresAt: exp * 1000,
    tenantId,
    profile: typeof profile === 'string' ? profile : '',
    email: typeof email === 'string' ? email : undefined,
  };
}

export function loadSession(now = Date.now()): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const session = sessionFromToken(raw);
    if (session.expiresAt > now) return session;
  } catch {
    // unreadable: treated as signed out
  }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

function saveSession(token: string): Session {
  const session = sessionFromToken(token);
  sessionStorage.setItem(SESSION_KEY, token);
  return session;
}

export class SignInError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Local only: POST /dev/token mints a development JWT, the kind `cbr token` prints. */
export async function localSignIn(form: { tenantId: string; profile: string; email: string }): Promise<Session> {
  const response = await fetch(DEV_TOKEN_PATH.slice(1), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(form),
  });
  const body = (await response.json().catch(() => ({}))) as {
    token?: string;
    error?: { message?: string; field?: string };
  };
  if (!response.ok || !body.token) {
    throw new SignInError(body.error?.message ?? `HTTP ${response.status}`, body.error?.field);
  }
  return saveSession(body.token);
}

/** RFC 7636 S256: base64url(SHA-256(verifier)). */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

const randomString = (bytes: number) => base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));

type CognitoAuth = Extract<ConsoleAuth, { mode: 'cognito' }>;

/** Starts the hosted UI round trip: a fresh verifier and state, kept in this tab until Cognito sends us back. */
export async function startHostedSignIn(auth: CognitoAuth): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(24);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL('/oauth2/authorize', auth.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge_method: 'S256',
    code_challenge: await pkceChallenge(verifier),
  }).toString();
  window.location.assign(url.toString());
}

/** True when this page load is Cognito sending the browser back (`?code=…&state=…` or `?error=…`). */
export function isHostedCallback(location: Location = window.location): boolean {
  const query = new URLSearchParams(location.search);
  return query.has('state') && (query.has('code') || query.has('error'));
}

/**
 * Finishes the round trip: checks the state, trades the code and the verifier for tokens at the token endpoint,
 * keeps the ID token (it carries the tenant and profile the API authorizes with), and takes the code out of the
 * address bar before anything else runs.
 */
export async function finishHostedSignIn(auth: CognitoAuth): Promise<Session> {
  const query = new URLSearchParams(window.location.search);
  window.history.replaceState(null, '', new URL(auth.redirectUri).pathname + window.location.hash);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PENDING_KEY);
  const code = query.get('code');
  if (query.has('error') || !code) throw new SignInError(query.get('error_description') ?? query.get('error') ?? '');
  if (!pending || pending.state !== query.get('state')) throw new SignInError('state mismatch');
  const response = await fetch(new URL('/oauth2/token', auth.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code,
      redirect_uri: auth.redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  const tokens = (await response.json().catch(() => ({}))) as { id_token?: string; error?: string };
  if (!response.ok || !tokens.id_token) throw new SignInError(tokens.error ?? `HTTP ${response.status}`);
  return saveSession(tokens.id_token);
}

/** Forgets the session; on AWS also ends the hosted UI's own session, which sends the browser back here. */
export function signOut(auth: ConsoleAuth): void {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (auth.mode === 'cognito') {
    const url = new URL('/logout', auth.domain);
    url.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: auth.redirectUri }).toString();
    window.location.assign(url.toString());
  }
}
