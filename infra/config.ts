import { z } from 'zod';
import { DEFAULT_LINK_TTL_DAYS, MAX_LINK_TTL_DAYS } from '../src/core/link-lifetime.ts';
import { TABLES, type TableName } from '../src/core/report.types.ts';

/** How a Glue table reads its files: Parquet (the production format) or newline-delimited JSON. */
export const TableFormat = z.enum(['parquet', 'json'], { error: 'expected "parquet" or "json"' });
export type TableFormat = z.infer<typeof TableFormat>;

const EMAIL = (what: string) => z.email({ error: `expected ${what} as an email address like reports@example.com` });

/** The settings of one deployment environment, as cdk.json context `environments.<env>` (or direct keys) holds them. */
const EnvironmentSettings = z.strictObject({
  account: z
    .string({ error: 'expected a 12-digit AWS account id as a string' })
    .regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' })
    .optional(),
  region: z
    .string({ error: 'is required: the AWS region to deploy to, e.g. sa-east-1' })
    .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'expected an AWS region such as sa-east-1' }),
  senderEmail: EMAIL('the From address verified in SES'),
  /** The SES identity (domain or address) the Lambda may send as; the sender's domain by default. */
  sesIdentity: z
    .string()
    .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$|^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,}$/i, {
      error: 'expected a verified SES identity: a domain (example.com) or an email address',
    })
    .optional(),
  sesConfigurationSet: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected an SES configuration set name' })
    .optional(),
  /** Base URL of the report API behind a custom domain; the HTTP API's own endpoint by default. */
  apiUrl: z.url({ error: 'expected the report API base URL, e.g. https://reports.example.com' }).optional(),
  /** Browser origins allowed to call the API (CORS); none by default. */
  apiCorsOrigins: z
    .array(
      z.string().regex(/^https?:\/\/[^/\s]+$/, {
        error: 'expected an origin such as https://panel.example.com (scheme and host, no path)',
      }),
      { error: 'expected a list of origins, e.g. ["https://panel.example.com"]' },
    )
    .default([]),
  /** An existing Cognito user pool (e.g. the panel's) instead of the one the app creates. */
  userPoolId: z
    .string()
    .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d_[0-9A-Za-z]+$/, {
      error: 'expected a Cognito user pool id such as sa-east-1_AbC123xyz',
    })
    .optional(),
  /** An existing app client of `userPoolId` whose ID tokens the API accepts; one is created when omitted. */
  userPoolClientId: z
    .string()
    .regex(/^[0-9a-z]{1,128}$/, { error: 'expected a Cognito app client id' })
    .optional(),
  /**
   * The SSM SecureString holding the link-signing key (base64 of at least 32 random bytes), encrypted
   * with the AWS managed key aws/ssm. CloudFormation cannot create SecureStrings: create it once per
   * environment with `aws ssm put-parameter --type SecureString --name <name> --value "$(openssl rand -base64 48)"`.
   * Default: `/<namePrefix>/report-link-key`.
   */
  linkKeyParameterName: z
    .string()
    .regex(/^(\/[A-Za-z0-9_.-]+)+$/, {
      error: 'expected an SSM parameter path such as /cbr-dev/report-link-key',
    })
    .optional(),
  /** The AWS Parameters and Secrets Lambda Extension layer (arm64) to use instead of the built-in choice. */
  parametersExtensionLayerArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$/, {
      error: 'expected a Lambda layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)',
    })
    .optional(),
  namePrefix: z
    .string({ error: 'is required: a short lowercase prefix for resource names, e.g. cbr-dev' })
    .regex(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/, {
      error: 'expected 3-20 lowercase letters, digits or "-", starting with a letter (e.g. cbr-dev)',
    }),
  lakePrefix: z
    .string()
    .regex(/^$|^([A-Za-z0-9_.=-]+\/)+$/, {
      error: 'expected "" or a key prefix ending with "/" and without a leading "/" (e.g. lake/)',
    })
    .default(''),
  bytesScannedCutoffMb: z
    .number({ error: 'expected a whole number of megabytes' })
    .int({ error: 'expected a whole number of megabytes' })
    .min(10, { error: 'Athena needs at least 10 MB' })
    .max(1_000_000, { error: 'expected at most 1,000,000 MB (about 1 TB) per query' })
    .default(10_240),
  alarmEmail: EMAIL('the address that receives alarm notifications').optional(),
  tableFormats: z
    .partialRecord(
      z.enum(TABLES, { error: `expected a table of the data contract (${TABLES.join(', ')})` }),
      TableFormat,
    )
    .default({}),
  reportLinkTtlDays: z
    .number({ error: 'expected a whole number of days' })
    .int({ error: 'expected a whole number of days' })
    .min(1)
    .max(MAX_LINK_TTL_DAYS)
    .default(DEFAULT_LINK_TTL_DAYS),
});

export interface AppConfig {
  /** The environment name (`-c env=<name>`), e.g. dev. */
  envName: string;
  /** Optional for `cdk synth`; required to pin a deployment to one account. */
  account?: string | undefined;
  region: string;
  senderEmail: string;
  sesIdentity: string;
  sesConfigurationSet?: string | undefined;
  apiUrl?: string | undefined;
  apiCorsOrigins: string[];
  userPoolId?: string | undefined;
  userPoolClientId?: string | undefined;
  linkKeyParameterName: string;
  parametersExtensionLayerArn?: string | undefined;
  namePrefix: string;
  lakePrefix: string;
  bytesScannedCutoffMb: number;
  alarmEmail?: string | undefined;
  tableFormats: Record<TableName, TableFormat>;
  reportLinkTtlDays: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SETTING_KEYS = Object.keys(EnvironmentSettings.shape) as (keyof typeof EnvironmentSettings.shape)[];
const NUMERIC_KEYS = new Set<string>(['bytesScannedCutoffMb', 'reportLinkTtlDays']);

/** `-c key=value` always arrives as a string: turn numbers, JSON and comma-separated origins back into values. */
function fromCommandLine(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (NUMERIC_KEYS.has(key) && /^\s*\d+\s*$/.test(value)) return Number(value);
  const json =
    (key === 'tableFormats' && value.trim().startsWith('{')) ||
    (key === 'apiCorsOrigins' && value.trim().startsWith('['));
  if (json) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  // -c apiCorsOrigins=https://a.example.com,https://b.example.com
  if (key === 'apiCorsOrigins') {
    return value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
  }
  return value;
}

/**
 * Reads the settings of one environment from CDK context: `env` names the environment (cdk.json
 * sets a default), `environments.<env>` holds its settings, and a direct context key
 * (`-c senderEmail=...`) overrides the same setting. Errors name the context key to fix.
 */
export function loadConfig(tryGetContext: (key: string) => unknown): AppConfig {
  const envName = tryGetContext('env') ?? 'dev';
  if (typeof envName !== 'string' || !/^[A-Za-z0-9_-]+$/.test(envName)) {
    throw new ConfigError(
      `invalid CDK context "env": expected an environment name such as dev (got ${JSON.stringify(envName)})`,
    );
  }
  const environments = tryGetContext('environments') ?? {};
  if (typeof environments !== 'object' || environments === null || Array.isArray(environments)) {
    throw new ConfigError('invalid CDK context "environments": expected an object keyed by environment name');
  }
  const fromFile = (environments as Record<string, unknown>)[envName];
  const direct: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = tryGetContext(key);
    if (value !== undefined) direct[key] = fromCommandLine(key, value);
  }
  if (fromFile === undefined && Object.keys(direct).length === 0) {
    const known = Object.keys(environments);
    throw new ConfigError(
      `unknown environment "${envName}": add CDK context "environments.${envName}" to cdk.json` +
        (known.length ? ` (defined: ${known.join(', ')})` : '') +
        ' or pass the settings as direct context keys (-c senderEmail=... -c region=... -c namePrefix=...)',
    );
  }
  if (fromFile !== undefined && (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))) {
    throw new ConfigError(`invalid CDK context "environments.${envName}": expected an object of settings`);
  }
  return parseEnvironmentSettings(
    envName,
    { ...(fromFile as object | undefined), ...direct },
    new Set(Object.keys(direct)),
  );
}

/** Validates one environment's settings; `directKeys` are those given as top-level context keys. */
export function parseEnvironmentSettings(
  envName: string,
  raw: unknown,
  directKeys: ReadonlySet<string> = new Set(),
): AppConfig {
  const parsed = EnvironmentSettings.safeParse(raw);
  if (!parsed.success) {
    const contextKey = (path: readonly PropertyKey[]) => {
      const key = path.map(String).join('.');
      return directKeys.has(String(path[0])) ? `"${key}"` : `"environments.${envName}.${key}"`;
    };
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const known = issue.path.length === 0 ? SETTING_KEYS : TABLES;
        const where = issue.keys.map((key) => contextKey([...issue.path, key])).join(', ');
        return `context ${where}: unknown ${issue.path.length === 0 ? 'setting' : 'key'} (expected one of: ${known.join(', ')})`;
      }
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      const message = missing && !/required/.test(issue.message) ? `is required: ${issue.message}` : issue.message;
      return `context ${contextKey(issue.path)}: ${message}`;
    });
    throw new ConfigError(`invalid CDK context for environment "${envName}":\n  - ${problems.join('\n  - ')}`);
  }
  const settings = parsed.data;
  if (settings.userPoolClientId && !settings.userPoolId) {
    const key = directKeys.has('userPoolClientId')
      ? '"userPoolClientId"'
      : `"environments.${envName}.userPoolClientId"`;
    throw new ConfigError(
      `invalid CDK context for environment "${envName}":\n  - context ${key}: needs userPoolId (the pool the client belongs to)`,
    );
  }
  const tableFormats = Object.fromEntries(
    TABLES.map((table) => [table, settings.tableFormats[table] ?? 'parquet']),
  ) as Record<TableName, TableFormat>;
  return {
    envName,
    ...settings,
    sesIdentity: settings.sesIdentity ?? settings.senderEmail.slice(settings.senderEmail.lastIndexOf('@') + 1),
    linkKeyParameterName: settings.linkKeyParameterName ?? `/${settings.namePrefix}/report-link-key`,
    tableFormats,
  };
}
