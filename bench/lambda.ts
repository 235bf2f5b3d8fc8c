/**
 * Cold import time of each Lambda bundle: synthesizes the report function construct (NodejsFunction + local
 * esbuild, exactly as `cdk synth` bundles it), lays the asset out like /var/task, then imports the handler in a
 * fresh Node process several times.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { BUNDLE_DIR, PROJECT_ROOT, ReportFunction } from '../infra/constructs/report-function.ts';

export interface ColdStart {
  entry: string;
  bundleBytes: number;
  bundleMs: number;
  /** `await import(handler)` inside the process, per run. */
  importMs: number[];
  /** The whole `node -e` process, Node's own start included, per run. */
  processMs: number[];
  error?: string;
}

/** Settings a handler may read when it loads; the values do not matter, only that they are there. */
const LAMBDA_ENV = {
  AWS_REGION: 'sa-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  LAKE_BUCKET: 'lake-bucket',
  REPORTS_BUCKET: 'reports-bucket',
  ATHENA_WORKGROUP: 'wg',
  GLUE_DATABASE: 'db',
  SENDER_EMAIL: 'reports@example.com',
  // As the construct sets it.
  NODE_OPTIONS: '--enable-source-maps',
};

export const LAMBDA_ENTRIES = ['lambdas/scheduled-report.ts', 'lambdas/api.ts'];

export function coldStarts(runs: number, log: (m: string) => void): ColdStart[] {
  const entries = LAMBDA_ENTRIES.filter((e) => existsSync(path.join(PROJECT_ROOT, e)));
  const outdir = mkdtempSync(path.join(tmpdir(), 'cbr-bench-cdk-'));
  const results: ColdStart[] = [];
  try {
    for (const entry of entries) {
      log(`bundling ${entry}`);
      const started = performance.now();
      let asset: string;
      try {
        asset = synthesize(entry, path.join(outdir, path.basename(entry, '.ts')));
      } catch (error) {
        results.push({ entry, bundleBytes: 0, bundleMs: 0, importMs: [], processMs: [], error: message(error) });
        continue;
      }
      const bundleMs = performance.now() - started;
      const task = mkdtempSync(path.join(tmpdir(), 'cbr-bench-task-'));
      try {
        cpSync(asset, task, { recursive: true });
        // The Lambda runtime provides the AWS SDK.
        symlinkSync(path.join(PROJECT_ROOT, 'node_modules/@aws-sdk'), path.join(task, 'node_modules/@aws-sdk'));
        const bundle = path.join(task, BUNDLE_DIR, 'index.mjs');
        const result: ColdStart = {
          entry,
          bundleBytes: statSync(bundle).size,
          bundleMs,
          importMs: [],
          processMs: [],
        };
        results.push(result);
        log(`importing ${entry} ${runs + 1} times (one warm-up)`);
        for (let r = 0; r <= runs; r++) {
          const code = `const t = performance.now(); const m = await import(${JSON.stringify(`./${BUNDLE_DIR}/index.mjs`)}); if (typeof m.handler !== 'function') process.exit(3); process.stdout.write(String(performance.now() - t));`;
          const t0 = performance.now();
          const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
            cwd: task,
            encoding: 'utf8',
            env: { PATH: process.env.PATH, ...LAMBDA_ENV },
          });
          const processMs = performance.now() - t0;
          if (run.status !== 0) {
            result.error = `import failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().split('\n').slice(0, 3).join(' | ')}`;
            break;
          }
          if (r === 0) continue;
          result.importMs.push(Number(run.stdout));
          result.processMs.push(processMs);
        }
      } finally {
        rmSync(task, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return results;
}

/** The asset folder of one function, bundled by the construct. */
function synthesize(entry: string, outdir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'sa-east-1' } });
  new ReportFunction(stack, 'Fn', { entry, environment: {} });
  const assembly = app.synth();
  const template = JSON.parse(
    readFileSync(path.join(assembly.directory, assembly.getStackByName('Bench').templateFile), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
  const key = fn?.Properties.Code?.S3Key;
  if (!key) throw new Error(`no bundled Lambda function for ${entry}`);
  return path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 3).join(' | ');
}
