import { z } from 'zod';
import { LambdaEnv } from '../aws/lambda-env.ts';

/**
 * The report API Lambda's environment: everything the report Lambdas get (it generates reports too), with
 * API_URL required (links in archived emails must be absolute) and where the link-signing key lives.
 */
export const ApiEnv = LambdaEnv.extend({
  API_URL: z.url({ protocol: /^https?$/ }),
});
export type ApiEnv = z.infer<typeof ApiEnv>;

export function readApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  const parsed = ApiEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid API Lambda environment: ${problems}`);
  }
  return parsed.data;
}
