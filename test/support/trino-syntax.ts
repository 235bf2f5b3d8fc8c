import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export interface SyntaxError {
  line: number;
  column: number;
  message: string;
}

/**
 * Trino (Athena engine v3) grammar check with dt-sql-parser. Its dist/ cannot be imported directly on Node 20
 * (directory imports), so it is bundled once with esbuild into node_modules/.cache.
 */
export async function trinoValidator(): Promise<(sql: string) => SyntaxError[]> {
  const outfile = path.resolve('node_modules/.cache/cbr/trino-parser.mjs');
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    stdin: { contents: `export { TrinoSQL } from 'dt-sql-parser';`, resolveDir: process.cwd() },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'silent',
  });
  const { TrinoSQL } = (await import(pathToFileURL(outfile).href)) as {
    TrinoSQL: new () => { validate(sql: string): { startLine: number; startColumn: number; message: string }[] };
  };
  const parser = new TrinoSQL();
  return (sql) => parser.validate(sql).map((e) => ({ line: e.startLine, column: e.startColumn, message: e.message }));
}
