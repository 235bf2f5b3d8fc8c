/**
 * What the server tells the console page about signing in, embedded in index.html as JSON (never fetched, so the
 * page needs no extra request before it can draw the sign-in screen). Shared by the server and the browser bundle.
 */
export type ConsoleAuth =
  /** `cbr serve`: a form mints a development token at POST /dev/token; never offered on AWS. */
  | { mode: 'local' }
  /** AWS: the Cognito hosted UI, authorization code with PKCE, a public app client (no secret). */
  | {
      mode: 'cognito';
      /** The hosted UI's origin, e.g. https://cbr-prod.auth.sa-east-1.amazoncognito.com (no trailing slash). */
      domain: string;
      clientId: string;
      /** Where Cognito sends the browser back: the console's own URL, one of the client's callback URLs. */
      redirectUri: string;
    };

export interface ConsoleConfig {
  auth: ConsoleAuth;
}

/** The id of the `<script type="application/json">` element that carries the ConsoleConfig. */
export const CONFIG_ELEMENT_ID = 'cbr-console-config';

/** The local development sign-in route (local server only). */
export const DEV_TOKEN_PATH = '/dev/token';
