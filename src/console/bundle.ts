import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** One built file of the console, served under `/console/<name>`. */
export interface ConsoleFile {
  body: string;
  contentType: string;
}

/** The console's built assets: the entry script and style sheet (content-hashed names) and every file by name. */
export interface ConsoleBundle {
  script: string;
  style: string;
  files: ReadonlyMap<string, ConsoleFile>;
}

/** Written beside the assets by writeConsoleBundle: which files are the entry script and style sheet. */
export const MANIFEST = 'manifest.json';

/**
 * Where the Lambda package keeps the prebuilt console (the CDK bundling step writes it there, beside
 * templates/): `/var/task/console/`, two folders up from the bundle like the other runtime files.
 */
export const PACKAGED_CONSOLE_DIR = new URL('../../console/', import.meta.url);

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function contentTypeOfAsset(name: string): string {
  const type = TYPES[path.extname(name)];
  if (!type) throw new Error(`the console has no asset type for ${name}`);
  return type;
}

/** Reads a bundle written by writeConsoleBundle (the Lambda's prebuilt copy). */
export async function readConsoleBundle(dir: URL | string = PACKAGED_CONSOLE_DIR): Promise<ConsoleBundle> {
  const at = (name: string) => (typeof dir === 'string' ? path.join(dir, name) : new URL(name, dir));
  const manifest = JSON.parse(await readFile(at(MANIFEST), 'utf8')) as { script: string; style: string };
  const files = new Map<string, ConsoleFile>();
  for (const name of [manifest.script, manifest.style]) {
    files.set(name, { body: await readFile(at(name), 'utf8'), contentType: contentTypeOfAsset(name) });
  }
  return { script: manifest.script, style: manifest.style, files };
}
