/** Where a secret signing key comes from: a local file, or SSM / Secrets Manager in AWS. */
export type KeyProvider = () => Promise<Buffer>;

/** HMAC-SHA256 keys shorter than the hash add no strength; refuse them. */
export const MIN_KEY_BYTES = 32;

/** Refuses a key too short to sign with; `where` names its source in the error. */
export function checkedKey(key: Buffer, where: string): Buffer {
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
