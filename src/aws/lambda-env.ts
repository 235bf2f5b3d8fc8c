import { z } from 'zod';
import { DEFAULT_LINK_TTL_DAYS, MAX_LINK_TTL_DAYS } from '../core/link-lifetime.ts';

/** The environment every report Lambda receives from the CDK app (infra/), validated at cold start. */
export const LambdaEnv = z.object({
  LAKE_BUCKET: z.string().min(3),
  LAKE_PREFIX: z.string().default(''),
  REPORTS_BUCKET: z.string().min(3),
  REPORTS_KMS_KEY_ID: z.string().optional(),
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  SENDER_EMAIL: z.string().email(),
  SES_CONFIGURATION_SET: z.string().optional(),
  /** Base URL of the report API; archive links in emails point to `${API_URL}/r/<token>`. */
  API_URL: z.string().url().optional(),
  REPORT_LINK_TTL_DAYS: z.coerce.number().int().min(1).max(MAX_LINK_TTL_DAYS).default(DEFAULT_LINK_TTL_DAYS),
  /**
   * Name of the SSM SecureString holding the link-signing key (base64 of at least 32 random bytes), read via
   * the AWS Parameters and Secrets Lambda Extension. With API_URL, emails carry signed `/r/<token>` links.
   */
  LINK_KEY_PARAMETER: z.string().min(1).optional(),
});
export type LambdaEnv = z.infer<typeof LambdaEnv>;

/** Validates an environment against `schema`; the error names every bad variable. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, what: string): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid ${what} environment: ${problems}`);
  }
  return parsed.data;
}

export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  return parseEnv(LambdaEnv, env, 'Lambda');
}

/**
 * The report API Lambda's environment: everything the report Lambdas get (it generates reports too), with
 * API_URL required (links in archived emails must be absolute).
 */
export const ApiEnv = LambdaEnv.extend({
  API_URL: z.url({ protocol: /^https?$/ }),
});
export type ApiEnv = z.infer<typeof ApiEnv>;

export function readApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseEnv(ApiEnv, env, 'API Lambda');
}
