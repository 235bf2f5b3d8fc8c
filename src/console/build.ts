import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { contentTypeOfAsset, MANIFEST, type ConsoleBundle, type ConsoleFile } from './bundle.ts';

/** The browser entry point: Preact components, their style sheet imported from it. */
export const CONSOLE_ENTRY = new URL('./app/main.tsx', import.meta.url);

/**
 * Bundles the console with esbuild: one ES module (Preact and the app, minified) and one style sheet, with
 * content hashes in their names so they can be cached for good. In memory: `cbr serve` builds at start-up,
 * the CDK bundling step writes the same files into the Lambda package (writeConsoleBundle).
 */
export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(CONSOLE_ENTRY)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    outdir: 'console',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const files = new Map<string, ConsoleFile>();
  let script: string | undefined;
  let style: string | undefined;
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    files.set(name, { body: file.text, contentType: contentTypeOfAsset(name) });
    if (name.endsWith('.js')) script = name;
    if (name.endsWith('.css')) style = name;
  }
  if (!script || !style) throw new Error('the console build produced no script or no style sheet');
  return { script, style, files };
}

/** Builds the console into `dir` (the Lambda package's console/ folder) with its manifest. */
export async function writeConsoleBundle(dir: string): Promise<ConsoleBundle> {
  const bundle = await buildConsole();
  await mkdir(dir, { recursive: true });
  for (const [name, file] of bundle.files) await writeFile(path.join(dir, name), file.body);
  await writeFile(path.join(dir, MANIFEST), JSON.stringify({ script: bundle.script, style: bundle.style }));
  return bundle;
}
