import { z } from 'zod';
import { LambdaEnv, parseEnv } from '../aws/lambda-env.ts';

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
