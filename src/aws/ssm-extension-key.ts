import { checkedKey as checked, onceKey, type KeyProvider } from '../core/signing-key.port.ts';

/**
 * A key stored base64-encoded in an SSM SecureString, read through the AWS Parameters and Secrets Lambda
 * Extension (a layer serving http://localhost:2773), so no SDK client is bundled. The function's role needs
 * ssm:GetParameter on the parameter and kms:Decrypt on its key. Read once per container.
 */
export function ssmExtensionKey(
  parameterName: string,
  env: NodeJS.ProcessEnv = process.env,
  fetchImpl: typeof fetch = fetch,
): KeyProvider {
  return onceKey(async () => {
    const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
    const url = `http://localhost:${port}/systemsmanager/parameters/get?name=${encodeURIComponent(parameterName)}&withDecryption=true`;
    const response = await fetchImpl(url, {
      headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' },
    });
    if (!response.ok) {
      throw new Error(`reading the link key parameter ${parameterName} failed: HTTP ${response.status}`);
    }
    const body = (await response.json()) as { Parameter?: { Value?: unknown } };
    const value = body.Parameter?.Value;
    if (typeof value !== 'string') throw new Error(`the link key parameter ${parameterName} has no value`);
    return checked(Buffer.from(value.trim(), 'base64'), `parameter ${parameterName}`);
  });
}
