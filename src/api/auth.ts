import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { InputError } from '../core/errors.ts';
import { validateTenantId } from '../core/report-request.ts';
import { ForbiddenError, UnauthorizedError, type ApiRequest } from './http.ts';

/** Who is calling, from their token's claims. The tenant decides every store key the API touches. */
export interface Caller {
  sub: string;
  tenantId: string;
  /** The panel profile (`custom:profile`): ADMIN, OPERATOR, AGENT, VIEWER, … or undefined when absent. */
  profile: string | undefined;
  email: string | undefined;
}

/** Profiles allowed to use the Contact Behavior panel, and so every endpoint of this API. */
export const ALLOWED_PROFILES: readonly string[] = ['ADMIN', 'OPERATOR'];

export const CLAIMS = { tenant: 'custom:tenant_id', profile: 'custom:profile' } as const;

/** Identifies the caller of a request, or throws UnauthorizedError. */
export interface Authenticator {
  authenticate(request: ApiRequest): Promise<Caller>;
}

/** The panel's rule: only ADMIN and OPERATOR. Throws ForbiddenError for any other (or no) profile. */
export function authorize(caller: Caller): Caller {
  if (caller.profile === undefined || !ALLOWED_PROFILES.includes(caller.profile)) {
    const who = caller.profile === undefined ? 'a caller without a profile' : `profile ${caller.profile}`;
    throw new ForbiddenError(`${who} may not use the reports; ${ALLOWED_PROFILES.join(' or ')} is required`);
  }
  return caller;
}

const Email = z.email();

/** Turns verified claims into a Caller; a token without a subject or a valid tenant identifies nobody. */
export function callerFromClaims(claims: Readonly<Record<string, unknown>>): Caller {
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthorizedError('the token has no subject (sub)');
  const tenant = claims[CLAIMS.tenant];
  if (typeof tenant !== 'string') throw new UnauthorizedError(`the token has no ${CLAIMS.tenant} claim`);
  try {
    validateTenantId(tenant);
  } catch (error) {
    if (error instanceof InputError) throw new UnauthorizedError(`the token's ${CLAIMS.tenant} claim is not valid`);
    throw error;
  }
  const profile = claims[CLAIMS.profile];
  const email = claims.email;
  // Only a verified address receives tenant data (test digests); API Gateway passes claims as strings.
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  return {
    sub,
    tenantId: tenant,
    profile: typeof profile === 'string' && profile !== '' ? profile : undefined,
    email: verified && typeof email === 'string' && Email.safeParse(email).success ? email : undefined,
  };
}

export const LOCAL_ISSUER = 'cbr-local';
export const LOCAL_AUDIENCE = 'cbr-api';
const MIN_DEV_KEY_BYTES = 32;

export type SigningKey = string | Uint8Array;

function keyBytes(key: SigningKey): Uint8Array {
  const bytes = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  if (bytes.length < MIN_DEV_KEY_BYTES) {
    throw new InputError(`the JWT signing key has ${bytes.length} bytes; at least ${MIN_DEV_KEY_BYTES} are needed`);
  }
  return bytes;
}

export interface LocalJwtOptions {
  key: SigningKey;
  issuer?: string;
  audience?: string;
  /** Clock skew accepted on exp/nbf/iat, in seconds (default 5). */
  clockToleranceSeconds?: number;
  now?: () => Date;
}

/**
 * Local runs: `Authorization: Bearer <jwt>` signed with HS256 and a development key, issued by `cbr-local`
 * for `cbr-api`, with an expiry. Any other algorithm, issuer or audience is refused.
 */
export class LocalJwtAuthenticator implements Authenticator {
  private readonly key: Uint8Array;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly clockTolerance: number;
  private readonly now: () => Date;

  constructor(options: LocalJwtOptions) {
    this.key = keyBytes(options.key);
    this.issuer = options.issuer ?? LOCAL_ISSUER;
    this.audience = options.audience ?? LOCAL_AUDIENCE;
    this.clockTolerance = options.clockToleranceSeconds ?? 5;
    this.now = options.now ?? (() => new Date());
  }

  async authenticate(request: ApiRequest): Promise<Caller> {
    const token = bearerToken(request);
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.clockTolerance,
        currentDate: this.now(),
      });
      return callerFromClaims(payload);
    } catch (error) {
      throw error instanceof UnauthorizedError ? error : new UnauthorizedError(rejection(error));
    }
  }
}

function bearerToken(request: ApiRequest): string {
  const header = request.headers.authorization;
  if (!header) throw new UnauthorizedError('missing Authorization: Bearer <token> header');
  const match = /^Bearer[ ]+([A-Za-z0-9_.~+/-]+=*)\s*$/i.exec(header);
  if (!match) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  return match[1]!;
}

/** A message that says what is wrong with a token without echoing it. */
function rejection(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is not signed with HS256';
  return 'the token is not a valid JWT';
}

/**
 * AWS: API Gateway's Cognito JWT authorizer has already checked signature, expiry and audience and put the
 * claims in `requestContext.authorizer.jwt.claims`; the Lambda adapter passes them as `verifiedClaims`.
 * A request without them reached a route without the authorizer: refuse it.
 */
export class VerifiedClaimsAuthenticator implements Authenticator {
  async authenticate(request: ApiRequest): Promise<Caller> {
    if (!request.verifiedClaims) throw new UnauthorizedError('the request carries no verified token claims');
    return callerFromClaims(request.verifiedClaims);
  }
}

export interface DevTokenClaims {
  tenantId: string;
  /** Omitted: a token without `custom:profile` (forbidden everywhere). */
  profile?: string;
  email?: string;
  /** Default true: a development token's address counts as verified. */
  emailVerified?: boolean;
  sub: string;
  /** Seconds, or a jose time span such as '1h' or '30d'. */
  expiresIn: number | string;
}

/** A token for LocalJwtAuthenticator: for tests and the local `cbr token` command. */
export async function signDevToken(claims: DevTokenClaims, key: SigningKey): Promise<string> {
  const payload: Record<string, string | boolean> = { [CLAIMS.tenant]: validateTenantId(claims.tenantId) };
  if (claims.profile !== undefined) payload[CLAIMS.profile] = claims.profile;
  if (claims.email !== undefined) {
    payload.email = claims.email;
    payload.email_verified = claims.emailVerified ?? true;
  }
  // A number counts from now and may be negative (an already expired token, for tests).
  const expiresIn =
    typeof claims.expiresIn === 'number' ? Math.floor(Date.now() / 1000) + claims.expiresIn : claims.expiresIn;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(keyBytes(key));
}
