import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../core/errors.ts';
import { assertValidKey, assertValidPrefix, byKey } from '../core/archive-layout.ts';
import type { ReportStore, StoredObject } from '../core/report-store.port.ts';

/** In-progress writes live beside their target as `.<name>.<hex>.partial`; list() never shows them. */
const TEMP_FILE = /^\..+\.[0-9a-f]{16}\.partial$/;

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}.partial`);
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The report archive in a local folder: key 'a/b/c.json' is the file '<root>/a/b/c.json'.
 * Every write goes to a temporary file in the same folder that is renamed (or linked) into place, so a
 * reader never sees a half-written object and a crash leaves no partial target behind.
 */
export class FolderReportStore implements ReportStore {
  readonly root: string;

  constructor(options: { root: string }) {
    this.root = path.resolve(options.root);
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    if (TEMP_FILE.test(key.slice(key.lastIndexOf('/') + 1))) {
      throw new InputError(`invalid report key ${JSON.stringify(key)}: the name is reserved for temporary files`);
    }
    return path.join(this.root, ...key.split('/'));
  }

  /** Writes bytes to a fresh temporary file beside `file` (flushed to disk) and returns its path. */
  private async writeTemp(file: string, body: string | Uint8Array): Promise<string> {
    await mkdir(path.dirname(file), { recursive: true });
    const temp = tempPathFor(file);
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(body);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    return temp;
  }

  async put(key: string, body: string | Uint8Array, _contentType: string): Promise<void> {
    const file = this.pathOf(key);
    const temp = await this.writeTemp(file, body);
    try {
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Writes the object only when the key is free; true when this call created it, false when it existed.
   * Exclusive like `open(path, 'wx')` (O_CREAT|O_EXCL): the complete temporary file is hard-linked to the
   * target, which fails with EEXIST if any other writer got there first, so of concurrent callers exactly
   * one gets true and nobody ever reads a partial object. On a file system without hard links it falls
   * back to writing the target directly with 'wx' (still exclusive, but not atomic for readers).
   */
  async putIfAbsent(key: string, body: string | Uint8Array, _contentType: string): Promise<boolean> {
    const file = this.pathOf(key);
    const temp = await this.writeTemp(file, body);
    try {
      await link(temp, file);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errnoCode(error) ?? '')) throw error;
    } finally {
      await rm(temp, { force: true });
    }
    return this.exclusiveWrite(file, body);
  }

  private async exclusiveWrite(file: string, body: string | Uint8Array): Promise<boolean> {
    let handle;
    try {
      handle = await open(file, 'wx');
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw error;
    }
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async get(key: string): Promise<Buffer | null> {
    const file = this.pathOf(key);
    try {
      return await readFile(file);
    } catch (error) {
      // A folder, or a path through a file, is no object either (S3 answers NoSuchKey).
      if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes(errnoCode(error) ?? '')) return null;
      throw error;
    }
  }

  /** Every object whose key starts with `prefix` (a plain string prefix, as in S3), in key order. */
  async list(prefix: string): Promise<StoredObject[]> {
    assertValidPrefix(prefix);
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1); // the folder part, '' or ending in '/'
    const objects: StoredObject[] = [];
    await this.walk(base, prefix, objects);
    return objects.sort(byKey);
  }

  private async walk(keyPrefix: string, filter: string, out: StoredObject[]): Promise<void> {
    const dir = path.join(this.root, ...keyPrefix.split('/').filter(Boolean));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (['ENOENT', 'ENOTDIR'].includes(errnoCode(error) ?? '')) return;
      throw error;
    }
    for (const entry of entries) {
      const key = keyPrefix + entry.name;
      if (entry.isDirectory()) {
        const sub = `${key}/`;
        // Descend only where keys can still match the prefix.
        if (sub.startsWith(filter) || filter.startsWith(sub)) await this.walk(sub, filter, out);
      } else if (entry.isFile() && !TEMP_FILE.test(entry.name) && key.startsWith(filter)) {
        try {
          const info = await stat(path.join(dir, entry.name));
          out.push({ key, size: info.size, lastModified: info.mtime });
        } catch (error) {
          if (errnoCode(error) !== 'ENOENT') throw error; // deleted while listing
        }
      }
    }
  }

  /** A file:// URL of the object; local files do not expire, so the expiry is only validated. */
  async readUrl(key: string, expiresInSeconds: number): Promise<string> {
    const file = this.pathOf(key);
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) {
      throw new InputError(`readUrl expiry must be a positive whole number of seconds, got ${expiresInSeconds}`);
    }
    return pathToFileURL(file).href;
  }
}
