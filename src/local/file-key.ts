import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkedKey as checked, MIN_KEY_BYTES, onceKey, type KeyProvider } from '../core/signing-key.port.ts';

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
