import { z } from 'zod';
import { signDevToken, type SigningKey } from '../api/auth.ts';
import {
  errorResponse,
  json,
  MethodNotAllowedError,
  ValidationError,
  type ApiRequest,
  type ApiResponse,
} from '../api/http.ts';
import { InputError } from '../core/errors.ts';
import { validateTenantId } from '../core/report-request.ts';

/** As long as `cbr token`'s default: a working day. */
export const DEV_TOKEN_LIFETIME = '8h';

const Body = z.strictObject({
  tenantId: z.string({ error: 'expected the tenant id, e.g. acme' }),
  profile: z.string().regex(/^[A-Z][A-Z_]{0,31}$/, { error: 'expected a profile such as ADMIN or OPERATOR' }),
  email: z.union([z.literal(''), z.email({ error: 'expected an email address like ana@acme.example.com' })]).optional(),
});

/**
 * The local console's sign-in (`POST /dev/token`, served only by the local server): the same kind of
 * HS256 token `cbr token` signs, for the tenant, profile and email typed on the form. It proves nothing about
 * who typed them, which is why the AWS API has no such route.
 */
export async function devSignIn(request: ApiRequest, key: SigningKey): Promise<ApiResponse> {
  try {
    if (request.method.toUpperCase() !== 'POST') throw new MethodNotAllowedError(request.method, ['POST']);
    let raw: unknown;
    try {
      raw = JSON.parse(request.body ?? '');
    } catch {
      throw new ValidationError('body', 'expected a JSON object');
    }
    const parsed = Body.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
      throw new ValidationError(
        unknownKey ?? (issue.path.map(String).join('.') || 'body'),
        unknownKey ? 'unknown field' : issue.message,
      );
    }
    const { profile, email } = parsed.data;
    let tenantId: string;
    try {
      tenantId = validateTenantId(parsed.data.tenantId);
    } catch (error) {
      if (error instanceof InputError) throw new ValidationError('tenantId', error.message);
      throw error;
    }
    const token = await signDevToken(
      {
        tenantId,
        profile,
        ...(email && { email }),
        sub: `dev-${email || `${profile.toLowerCase()}@${tenantId}`}`,
        expiresIn: DEV_TOKEN_LIFETIME,
      },
      key,
    );
    return json(200, { token, tokenType: 'Bearer' });
  } catch (error) {
    return errorResponse(error);
  }
}
