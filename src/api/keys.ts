import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where a secret signing key comes from: a local file, or SSM / Secrets Manager in AWS. */
export type KeyProvider = () => Promise<Buffer>;

/** HMAC-SHA256 keys shorter than the hash add no strength; refuse them. */
export const MIN_KEY_BYTES = 32;

function checked(key: Buffer, where: string): Buffer {
  if (key.length < MIN_KEY_BYTES) {
    throw new Error(`the signing key from ${where} has ${key.length} bytes; at least ${MIN_KEY_BYTES} are needed`);
  }
  return key;
}

/** Asks the provider once and keeps the key for the life of the process (a Lambda container); a failure is retried next time. */
export function onceKey(provider: KeyProvider): KeyProvider {
  let pending: Promise<Buffer> | undefined;
  return () => {
    pending ??= provider().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * A key kept in a local file (e.g. `.cbr/link-key`): 32 random bytes, created with mode 0600 on first use
 * and read back afterwards. Creation is exclusive, so two processes starting together agree on one key.
 */
export function fileKeyProvider(file: string): KeyProvider {
  const target = path.resolve(file);
  return onceKey(async () => {
    try {
      return checked(await readFile(target), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const key = randomBytes(MIN_KEY_BYTES);
    try {
      await writeFile(target, key, { flag: 'wx', mode: 0o600 });
      await chmod(target, 0o600); // whatever the umask
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return checked(await readFile(target), target); // another process created it first
    }
  });
}

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
