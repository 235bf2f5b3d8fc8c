import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { InputError, LakeError, QueryError } from '../core/errors.ts';
import { generateReport } from '../core/generate-report.ts';
import {
  DEFAULT_ATTRIBUTION_DAYS,
  DEFAULT_TIMEZONE,
  parseReportRequest,
  validateTenantId,
} from '../core/report-request.ts';
import { DEFAULT_MEMORY_LIMIT, duckDbEngineFactory } from '../local/duckdb-engine.ts';
import { listTenants } from '../local/lake-files.ts';
import { writeReportFolder } from '../local/report-folder.ts';
import { DEFAULT_LOCALE, LOCALES } from '../render/i18n.ts';
import { renderReport } from '../render/render-report.ts';
import { rendererWarmedUp, warmUpWhileQueriesRun } from '../render/warm-up.ts';
import { subscriptionsCommand } from './subscriptions-command.ts';

export const DEFAULT_LAKE = 'data/sample-lake';
export const DEFAULT_REPORTS = 'reports';
export const DEFAULT_ARCHIVE = 'archive';
export const DEFAULT_OUTBOX = 'outbox';
export const LOCAL_SENDER = 'Contact Behavior Reports <reports@cbr.localhost>';

/** Progress on stderr, so stdout carries only results. */
function progress(quiet: boolean) {
  return (message: string) => {
    if (!quiet) process.stderr.write(`${message}\n`);
  };
}

const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const integer = (value: string) => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};

/** The same report from a laptop against a real account: `--data s3://bucket/prefix --workgroup --database`. */
async function athenaFromOptions(opts: { data?: string; workgroup?: string; database?: string; region?: string }) {
  const lake = /^s3:\/\/([^/]+)\/?(.*)$/.exec(opts.data ?? '');
  if (!lake) throw new InputError('--engine athena needs --data s3://<lake-bucket>[/<prefix>]');
  if (!opts.workgroup || !opts.database) throw new InputError('--engine athena needs --workgroup and --database');
  const [{ AthenaClient }, { S3Client }, { athenaEngineFactory }] = await Promise.all([
    import('@aws-sdk/client-athena'),
    import('@aws-sdk/client-s3'),
    import('../aws/athena-engine.ts'),
  ]);
  const region = opts.region ? { region: opts.region } : {};
  return athenaEngineFactory({
    athena: new AthenaClient(region),
    s3: new S3Client(region),
    workgroup: opts.workgroup,
    database: opts.database,
    lakeBucket: lake[1]!,
    lakePrefix: lake[2] ?? '',
  });
}

export function buildCli(): Command {
  const program = new Command('cbr')
    .description('Contact Behavior reports: the Zenvia panel metrics over the interaction lake')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('report')
    .description(
      'compute one report for a tenant and period: metrics.json, report.html, email.eml (+ email.html), charts/*.png, data/*.csv',
    )
    .requiredOption('--tenant <id>', 'tenant (customer account) id, e.g. acme')
    .option(
      '--data <dir>',
      `lake folder (data-contract layout); default: the sample lake at ${DEFAULT_LAKE}, generated when missing`,
    )
    .option('--from <date>', 'first local date of the period, YYYY-MM-DD (default: Monday of the last complete week)')
    .option(
      '--to <date>',
      'last local date of the period, inclusive, YYYY-MM-DD (default: Sunday of the last complete week)',
    )
    .option('--timezone <iana>', "the tenant's IANA time zone", DEFAULT_TIMEZONE)
    .option(
      '--attribution-days <n>',
      'days after a contact is reached during which a sales service counts in the journey funnel',
      String(DEFAULT_ATTRIBUTION_DAYS),
    )
    .option('--out <dir>', `report folder to write (default: ${DEFAULT_REPORTS}/<tenant>/<from>_<to>)`)
    .addOption(
      new Option('--locale <locale>', 'language of the email and the report page')
        .choices([...LOCALES])
        .default(DEFAULT_LOCALE),
    )
    .option(
      '--email-to <addresses>',
      'comma-separated recipients written into email.eml (default: admins@<tenant>.example)',
    )
    .addOption(new Option('--engine <engine>', 'query engine').choices(['duckdb', 'athena']).default('duckdb'))
    .option('--workgroup <name>', 'Athena workgroup (--engine athena)')
    .option('--database <name>', 'Glue database holding the lake tables (--engine athena)')
    .option('--region <region>', 'AWS region (--engine athena; default: from the AWS environment)')
    .option('--memory-limit <size>', "DuckDB's memory limit", DEFAULT_MEMORY_LIMIT)
    .option('-q, --quiet', 'no progress messages')
    .action(async (opts) => {
      const log = progress(Boolean(opts.quiet));
      const request = parseReportRequest({
        tenantId: opts.tenant,
        start: opts.from,
        end: opts.to,
        timezone: opts.timezone,
        attributionDays: opts.attributionDays,
      });
      const lakeDir = opts.data ?? DEFAULT_LAKE;
      if (opts.engine === 'duckdb' && !opts.data && !existsSync(lakeDir)) {
        log(`no lake at ${lakeDir}: generating the sample lake (once)`);
        const { generateSampleLake } = await import('../sample/generate.ts');
        await generateSampleLake({ dir: lakeDir, onProgress: log });
      }
      const out = opts.out ?? path.join(DEFAULT_REPORTS, request.tenantId, `${request.start}_${request.end}`);
      log(`report ${request.tenantId} ${request.start}..${request.end} (${request.timezone}) from ${lakeDir}`);
      const engine =
        opts.engine === 'athena'
          ? await athenaFromOptions(opts)
          : duckDbEngineFactory({ lakeDir, memoryLimit: opts.memoryLimit });
      const metrics = await generateReport(request, engine, {
        onProgress: log,
        onQueriesStarted: warmUpWhileQueriesRun,
      }).catch(async (error: unknown) => {
        // The operator at the command line may see the lake's tenants (an API caller never does).
        if (error instanceof LakeError && opts.engine === 'duckdb' && error.message.startsWith('unknown tenant')) {
          const known = await listTenants(lakeDir);
          throw new LakeError(`${error.message} (tenants in this lake: ${known.join(', ') || 'none'})`);
        }
        throw error;
      });
      await rendererWarmedUp();
      log('rendering charts, email and report page');
      const target = path.resolve(out);
      const rendered = await renderReport(metrics, {
        locale: opts.locale,
        reportUrl: pathToFileURL(path.join(target, 'report.html')).href,
        from: LOCAL_SENDER,
        to: opts.emailTo ? emailList(String(opts.emailTo)) : [`admins@${request.tenantId}.example`],
      });
      const dir = await writeReportFolder(target, rendered.files);
      log(`done: queries ${metrics.execution.totalMs} ms, ${rendered.files.size} files`);
      process.stdout.write(`${path.join(dir, 'metrics.json')}\n`);
    });

  program
    .command('sample')
    .description('generate a deterministic sample lake (several tenants, six+ months) for trying and testing reports')
    .option('--out <dir>', 'lake folder to create (must not exist or be empty)', DEFAULT_LAKE)
    .option('--seed <n>', 'random seed: the same seed and options give the same rows', integer, 42)
    .option(
      '--scale <x>',
      'size: 1 = 1M contacts, ~20M broadcast events, ~2M services, ~10M messages per main tenant',
      positiveNumber,
      0.01,
    )
    .option('--end <date>', 'last UTC date with data, YYYY-MM-DD (default: yesterday)')
    .option('--months <n>', 'months of history', integer, 7)
    .addOption(new Option('--format <format>', 'file format').choices(['parquet', 'ndjson']).default('parquet'))
    .option('--gzip', 'gzip NDJSON files (.ndjson.gz)')
    .option('--tenants <ids>', 'comma-separated main tenant ids (default: acme,globex,initech)')
    .option('-q, --quiet', 'no progress messages')
    .action(async (opts) => {
      const { generateSampleLake } = await import('../sample/generate.ts');
      const result = await generateSampleLake({
        dir: opts.out,
        seed: opts.seed,
        scale: opts.scale,
        end: opts.end,
        months: opts.months,
        format: opts.format,
        gzip: Boolean(opts.gzip),
        tenants: opts.tenants
          ? String(opts.tenants)
              .split(',')
              .map((t: string) => t.trim())
          : undefined,
        onProgress: progress(Boolean(opts.quiet)),
      });
      process.stdout.write(`${result.dir}\n`);
    });

  program
    .command('run-schedules')
    .description(
      'simulate the scheduler at an instant: run each due subscription, archive it and email the digest once',
    )
    .option('--at <instant>', 'ISO-8601 instant the scheduler fires at (default: now)')
    .option('--all', 'run every subscription, due or not, for the period closed at --at')
    .option('--subscriptions <file>', 'JSON list of subscriptions (default: the ones infra/subscriptions.ts deploys)')
    .option('--data <dir>', 'lake folder', DEFAULT_LAKE)
    .option('--archive <dir>', 'archive folder (the local reports bucket)', DEFAULT_ARCHIVE)
    .option('--outbox <dir>', 'where sent emails are written as .eml', DEFAULT_OUTBOX)
    .option('--attempts <n>', 'attempts per subscription before its admins are told', integer, 3)
    .option('-q, --quiet', 'no progress messages')
    .action(async (opts) => {
      const log = progress(Boolean(opts.quiet));
      const at = opts.at === undefined ? new Date() : new Date(opts.at);
      if (Number.isNaN(at.getTime()) || (opts.at !== undefined && !/^\d{4}-\d{2}-\d{2}T/.test(opts.at))) {
        throw new InputError(
          `invalid --at instant ${JSON.stringify(opts.at)}: expected ISO-8601, e.g. 2026-11-23T11:00:00Z`,
        );
      }
      if (opts.attempts < 1) throw new InputError('--attempts must be at least 1');
      const { parseSubscriptions } = await import('../core/subscription.ts');
      const subscriptions = parseSubscriptions(
        opts.subscriptions
          ? await readJsonFile(opts.subscriptions, 'subscriptions')
          : (await import('../../subscriptions.json', { with: { type: 'json' } })).default,
      );
      const { runSchedules } = await import('./run-schedules.ts');
      const outcomes = await runSchedules(subscriptions, at, {
        all: Boolean(opts.all),
        lakeDir: opts.data,
        archiveDir: opts.archive,
        outboxDir: opts.outbox,
        sender: LOCAL_SENDER,
        attempts: opts.attempts,
        log,
      });
      if (!outcomes.length) log(`no subscription is due at ${at.toISOString()}`);
      process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
      if (outcomes.some((o) => o.error))
        throw new RunFailedError(`${outcomes.filter((o) => o.error).length} subscription(s) failed`);
    });

  program.addCommand(subscriptionsCommand(DEFAULT_ARCHIVE));

  program
    .command('serve')
    .description('run the report API locally (the same handlers as the AWS Lambda) over the lake, archive and outbox')
    .option('--port <n>', 'port to listen on (0 picks a free one)', integer, 8787)
    .option('--data <dir>', 'lake folder', DEFAULT_LAKE)
    .option('--archive <dir>', 'archive folder (the local reports bucket)', DEFAULT_ARCHIVE)
    .option('--outbox <dir>', 'where sent emails are written as .eml', DEFAULT_OUTBOX)
    .option('--base-url <url>', 'public base URL for links (default: http://127.0.0.1:<port>)')
    .option('--no-console', 'serve the API only: no admin console at / and no development sign-in')
    .action(async (opts) => {
      const { startLocalServer } = await import('./serve.ts');
      const server = await startLocalServer({
        port: opts.port,
        lakeDir: opts.data,
        archiveDir: opts.archive,
        outboxDir: opts.outbox,
        linkKeyFile: LINK_KEY_FILE,
        jwtKey: await devJwtKey(),
        console: Boolean(opts.console),
        ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
      });
      process.stderr.write(
        `report API on ${server.url} (tokens: npx cbr token --tenant <id>; Ctrl+C stops)\n` +
          (opts.console ? `admin console on ${server.url}/ (development sign-in: local only)\n` : ''),
      );
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await server.close();
    });

  program
    .command('token')
    .description('sign a development JWT for the local API (never accepted in AWS)')
    .requiredOption('--tenant <id>', 'the tenant the caller belongs to')
    .addOption(new Option('--profile <profile>', 'the caller profile').default('ADMIN'))
    .option('--email <address>', 'the caller email (test digests go there)', 'admin@example.com')
    .option('--expires-in <span>', "lifetime, e.g. '1h' or '30d'", '8h')
    .action(async (opts) => {
      const { signDevToken } = await import('../api/auth.ts');
      const tenantId = validateTenantId(opts.tenant);
      const token = await signDevToken(
        { tenantId, profile: opts.profile, email: opts.email, sub: `dev-${opts.email}`, expiresIn: opts.expiresIn },
        await devJwtKey(),
      );
      process.stdout.write(`${token}\n`);
    });

  return program;
}

async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`the ${what} file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function emailList(value: string): string[] {
  const addresses = value.split(',').map((a) => a.trim());
  for (const address of addresses) {
    if (!z.email().safeParse(address).success)
      throw new InputError(`invalid --email-to address ${JSON.stringify(address)}`);
  }
  return addresses;
}

const LINK_KEY_FILE = '.cbr/link-key';
const JWT_KEY_FILE = '.cbr/jwt-key';
/** The local development signing key, created once (0600) beside the link key. */
async function devJwtKey(): Promise<Uint8Array> {
  const { fileKeyProvider } = await import('../local/file-key.ts');
  return new Uint8Array(await fileKeyProvider(JWT_KEY_FILE)());
}

class RunFailedError extends Error {}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof RunFailedError) {
      process.stderr.write(`cbr: ${error.message}\n`);
      return 4;
    }
    if (error instanceof InputError || error instanceof LakeError || error instanceof QueryError) {
      process.stderr.write(`cbr: ${error.message}\n`);
      return error instanceof InputError ? 2 : 3;
    }
    process.stderr.write(
      `cbr: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
