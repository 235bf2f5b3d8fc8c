import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_SCHEMA } from '../src/core/lake-schema.ts';
import { TABLES } from '../src/core/report.types.ts';
import { buildApp } from '../infra/app.ts';
import type { ComputeStack } from '../infra/compute-stack.ts';
import { ConfigError, loadConfig } from '../infra/config.ts';
import {
  LATEST_PARAMETERS_EXTENSION_ARM64,
  PARAMETERS_EXTENSION_ARM64_LAYERS,
} from '../infra/constructs/link-signing-key.ts';
import { BUNDLE_DIR, type ReportFunction } from '../infra/constructs/report-function.ts';
import { cronExpression, SUBSCRIPTIONS } from '../infra/subscriptions.ts';
import { parseSubscriptions, SubscriptionError, type Subscription } from '../src/core/subscription.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CDK_CONTEXT = (
  JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** Deterministic settings for the assertions, independent of the example values in cdk.json. */
const TEST_ENV = {
  region: 'sa-east-1',
  senderEmail: 'reports@example.com',
  namePrefix: 'cbr-test',
  lakePrefix: 'lake/',
  bytesScannedCutoffMb: 2048,
  alarmEmail: 'oncall@example.com',
  tableFormats: { broadcast_events: 'json' },
  reportLinkTtlDays: 45,
};

const TEST_SUBSCRIPTIONS: Subscription[] = [
  {
    id: 'acme-weekly',
    tenantId: 'acme',
    cadence: 'weekly',
    sendAt: '08:00',
    timezone: 'America/Sao_Paulo',
    recipients: ['a@acme.example.com'],
    locale: 'pt-BR',
  },
  {
    id: 'acme-daily',
    tenantId: 'acme',
    cadence: 'daily',
    sendAt: '06:45',
    timezone: 'America/Manaus',
    recipients: ['b@acme.example.com'],
    locale: 'pt-BR',
  },
  {
    id: 'globex-monthly',
    tenantId: 'globex',
    cadence: 'monthly',
    sendAt: '23:05',
    timezone: 'Europe/Lisbon',
    recipients: ['c@globex.example.com', 'd@globex.example.com'],
    locale: 'en',
  },
];

/** Logical ids of one ReportFunction's function and role in the compute template. */
interface FunctionIds {
  function: string;
  role: string;
}

interface Synthesized {
  app: App;
  stateful: Template;
  compute: Template;
  computeStack: ComputeStack;
  /** The scheduled report function's role. */
  roleLogicalId: string;
  report: FunctionIds;
  notifier: FunctionIds;
  api: FunctionIds;
  outdir: string;
  error?: unknown;
}

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * Builds and synthesizes the app. A synth failure throws, but for `keepError` (the shared app, whose error the
 * cdk-nag test reports, so that one failure does not hide every other test's result).
 */
function synth(env: Record<string, unknown> = TEST_ENV, { bundle = false, keepError = false } = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cbr-infra-'));
  outdirs.push(outdir);
  const context = {
    ...CDK_CONTEXT,
    env: 'test',
    environments: { test: env },
    'aws:cdk:version-reporting': false,
    ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
  };
  const built = buildApp({ context, subscriptions: TEST_SUBSCRIPTIONS, outdir });
  let error: unknown;
  try {
    built.app.synth();
  } catch (e) {
    if (!keepError) throw e;
    error = e;
  }
  const ids = (fn: ReportFunction): FunctionIds => ({
    function: built.compute.getLogicalId(fn.function.node.defaultChild as lambda.CfnFunction),
    role: built.compute.getLogicalId(fn.role.node.defaultChild as iam.CfnRole),
  });
  return {
    app: built.app,
    stateful: Template.fromStack(built.stateful),
    compute: Template.fromStack(built.compute),
    computeStack: built.compute,
    roleLogicalId: ids(built.compute.report).role,
    report: ids(built.compute.report),
    notifier: ids(built.compute.notifier),
    api: ids(built.compute.apiFunction),
    outdir,
    error,
  };
}

/** A CloudFormation value as one readable string: Fn::Join flattened, Ref as ${Name}, GetAtt as ${Name.Attr}. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flat).join(',');
  const v = value as Record<string, unknown>;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flat).join(sep);
  }
  if ('Ref' in v) return `\${${String(v.Ref)}}`;
  if ('Fn::GetAtt' in v) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  return JSON.stringify(value);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(flat);

function roleStatements(t: Template, roleLogicalId: string): Statement[] {
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } });
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

function resourcesOfType(t: Template, type: string): [string, { Properties: Record<string, unknown> }][] {
  return Object.entries(t.findResources(type)) as [string, { Properties: Record<string, unknown> }][];
}

function propertiesOf(t: Template, logicalId: string): Record<string, unknown> {
  const resource = (t.toJSON() as { Resources: Record<string, { Properties: Record<string, unknown> }> }).Resources[
    logicalId
  ];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return resource.Properties;
}

/** A function's environment variables, each value flattened to one string. */
function environmentOf(t: Template, functionId: string): Record<string, string> {
  const vars = (propertiesOf(t, functionId).Environment as { Variables: Record<string, unknown> }).Variables;
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, flat(v)]));
}

let main: Synthesized;
beforeAll(() => {
  main = synth(TEST_ENV, { keepError: true });
});

describe('config from CDK context', () => {
  const context = (values: Record<string, unknown>) => (key: string) => values[key];

  it('reads the environment named by -c env from cdk.json, with parquet as the default table format', () => {
    const config = loadConfig(context(CDK_CONTEXT));

    expect(config.envName).toBe('dev');
    expect(config.tableFormats).toEqual({
      contacts: 'parquet',
      broadcast_events: 'json',
      services: 'parquet',
      service_messages: 'parquet',
    });
    expect(config.sesIdentity).toBe('dev.example.com');
    expect(loadConfig(context({ ...CDK_CONTEXT, env: 'prod' })).account).toMatch(/^\d{12}$/);
  });

  it('lets a direct context key override the environment setting, numbers given as strings included', () => {
    const config = loadConfig(
      context({ ...CDK_CONTEXT, senderEmail: 'other@example.org', bytesScannedCutoffMb: '512', lakePrefix: '' }),
    );

    expect(config).toMatchObject({ senderEmail: 'other@example.org', bytesScannedCutoffMb: 512, lakePrefix: '' });
  });

  it.each([
    [{ senderEmail: undefined }, /"environments\.dev\.senderEmail": is required/],
    [{ senderEmail: 'reports-at-example.com' }, /"environments\.dev\.senderEmail": expected .* email address/],
    [{ alarmEmail: 'oncall' }, /"environments\.dev\.alarmEmail": expected .* email address/],
    [{ account: '1234' }, /"environments\.dev\.account": expected a 12-digit AWS account id/],
    [{ region: 'Sao Paulo' }, /"environments\.dev\.region": expected an AWS region/],
    [{ namePrefix: 'CBR' }, /"environments\.dev\.namePrefix": expected 3-20 lowercase/],
    [{ lakePrefix: '/lake' }, /"environments\.dev\.lakePrefix": expected "" or a key prefix ending with "\/"/],
    [{ bytesScannedCutoffMb: 1 }, /"environments\.dev\.bytesScannedCutoffMb": Athena needs at least 10 MB/],
    [
      { tableFormats: { contacts: 'csv' } },
      /"environments\.dev\.tableFormats\.contacts": expected "parquet" or "json"/,
    ],
    [{ tableFormats: { contact: 'json' } }, /"environments\.dev\.tableFormats\.contact": unknown key/],
    [{ senderEmial: 'x@example.com' }, /"environments\.dev\.senderEmial": unknown setting/],
  ])('refuses %j with a message naming the context key', (change, message) => {
    const dev = { ...(CDK_CONTEXT.environments as Record<string, Record<string, unknown>>).dev, ...change };
    const load = () => loadConfig(context({ ...CDK_CONTEXT, environments: { dev } }));

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('names a direct key as given on the command line', () => {
    expect(() => loadConfig(context({ ...CDK_CONTEXT, senderEmail: 'nope' }))).toThrow(
      /context "senderEmail": expected/,
    );
  });

  it('refuses an unknown environment and lists the defined ones', () => {
    expect(() => loadConfig(context({ ...CDK_CONTEXT, env: 'stage' }))).toThrow(
      /unknown environment "stage": add CDK context "environments\.stage".*\(defined: dev, prod\)/,
    );
  });

  it('names the link-key parameter after the prefix and allows no CORS origin unless configured', () => {
    const config = loadConfig(context(CDK_CONTEXT));

    expect(config.linkKeyParameterName).toBe('/cbr-dev/report-link-key');
    expect(config.apiCorsOrigins).toEqual([]);
  });

  it('reads CORS origins from the command line as a comma-separated or JSON list', () => {
    const origins = (value: string) => loadConfig(context({ ...CDK_CONTEXT, apiCorsOrigins: value })).apiCorsOrigins;

    expect(origins('https://panel.example.com, https://admin.example.com')).toEqual([
      'https://panel.example.com',
      'https://admin.example.com',
    ]);
    expect(origins('["https://panel.example.com"]')).toEqual(['https://panel.example.com']);
  });

  it.each([
    [
      { apiCorsOrigins: ['https://panel.example.com/app'] },
      /"environments\.dev\.apiCorsOrigins\.0": expected an origin/,
    ],
    [{ userPoolId: 'pool' }, /"environments\.dev\.userPoolId": expected a Cognito user pool id/],
    [{ userPoolClientId: 'abc123' }, /"environments\.dev\.userPoolClientId": needs userPoolId/],
    [{ linkKeyParameterName: 'report-link-key' }, /"environments\.dev\.linkKeyParameterName": expected an SSM/],
    [{ parametersExtensionLayerArn: 'layer' }, /"environments\.dev\.parametersExtensionLayerArn": expected a Lambda/],
  ])('refuses API setting %j with a message naming the context key', (change, message) => {
    const dev = { ...(CDK_CONTEXT.environments as Record<string, Record<string, unknown>>).dev, ...change };

    expect(() => loadConfig(context({ ...CDK_CONTEXT, environments: { dev } }))).toThrow(message);
  });
});

describe('subscriptions', () => {
  const valid = TEST_SUBSCRIPTIONS[0]!;
  const parse = (change: Record<string, unknown>) => () => parseSubscriptions([{ ...valid, ...change }]);

  it('turns cadence and local time into a Scheduler cron expression', () => {
    expect(cronExpression({ cadence: 'weekly', sendAt: '08:00' })).toBe('cron(0 8 ? * MON *)');
    expect(cronExpression({ cadence: 'daily', sendAt: '06:45' })).toBe('cron(45 6 * * ? *)');
    expect(cronExpression({ cadence: 'monthly', sendAt: '23:05' })).toBe('cron(5 23 1 * ? *)');
  });

  it('accepts the example list shipped with the app', () => {
    expect(SUBSCRIPTIONS.length).toBeGreaterThan(0);
    expect(parseSubscriptions(SUBSCRIPTIONS)).toEqual(SUBSCRIPTIONS);
  });

  it.each([
    [{ tenantId: 'Acme Corp' }, /subscriptions\[0\] \(acme-weekly\)\.tenantId: invalid tenant id "Acme Corp"/],
    [{ tenantId: '-acme' }, /\.tenantId: invalid tenant id/],
    [{ timezone: 'America/Sao Paulo' }, /\.timezone: unknown time zone "America\/Sao Paulo"/],
    [{ timezone: 'Mars/Olympus' }, /\.timezone: unknown time zone/],
    [{ recipients: ['ok@example.com', 'not-an-email'] }, /\.recipients\.1: invalid recipient "not-an-email"/],
    [{ recipients: [] }, /\.recipients: expected at least one recipient/],
    [{ sendAt: '8:00' }, /\.sendAt: expected a local time as HH:MM/],
    [{ sendAt: '24:00' }, /\.sendAt: expected a local time as HH:MM/],
    [{ cadence: 'hourly' }, /\.cadence: expected one of daily, weekly, monthly/],
    [{ locale: 'pt' }, /\.locale: expected one of pt-BR, en/],
    [{ id: 'Acme Weekly' }, /\.id: expected 1-40 lowercase/],
  ])('refuses %j with a message naming the entry and field', (change, message) => {
    expect(parse(change)).toThrow(SubscriptionError);
    expect(parse(change)).toThrow(message);
  });

  it('refuses duplicate ids', () => {
    expect(() => parseSubscriptions([valid, { ...valid, tenantId: 'other' }])).toThrow(
      /subscriptions\[1\] \(acme-weekly\)\.id: duplicate id, already used by subscriptions\[0\]/,
    );
  });
});

describe('StatefulStack', () => {
  const buckets = () => resourcesOfType(main.stateful, 'AWS::S3::Bucket');
  const bucketId = (purpose: string) => {
    const found = buckets().find(([, b]) => flat(b.Properties.BucketName).startsWith(`cbr-test-${purpose}-`));
    if (!found) throw new Error(`no ${purpose} bucket`);
    return found[0];
  };

  it('has four buckets, all retained, private and encrypted (KMS for data, SSE-S3 for access logs)', () => {
    expect(buckets()).toHaveLength(4);
    for (const [id, bucket] of buckets()) {
      const encryption = bucket.Properties.BucketEncryption as {
        ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
      };
      const algorithm = encryption.ServerSideEncryptionConfiguration[0]!.ServerSideEncryptionByDefault.SSEAlgorithm;
      expect(algorithm).toBe(id === bucketId('access-logs') ? 'AES256' : 'aws:kms');
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      main.stateful.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({ BucketName: bucket.Properties.BucketName }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('denies every request without TLS (1.2+) on every bucket', () => {
    for (const [id] of buckets()) {
      main.stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    }
  });

  it('logs access to the data buckets into the access-log bucket', () => {
    for (const purpose of ['lake', 'reports', 'results']) {
      const [, bucket] = buckets().find(([id]) => id === bucketId(purpose))!;
      expect(bucket.Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: bucketId('access-logs') },
      });
    }
  });

  it('versions the reports bucket and expires Athena results after 30 days', () => {
    const byId = Object.fromEntries(buckets());
    expect(byId[bucketId('reports')]!.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(byId[bucketId('results')]!.Properties.LifecycleConfiguration).toMatchObject({
      Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' })]),
    });
  });

  it('rotates the data key', () => {
    main.stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('catalogs the four tables of the data contract with partition projection', () => {
    const tables = resourcesOfType(main.stateful, 'AWS::Glue::Table');
    expect(tables.map(([, t]) => (t.Properties.TableInput as { Name: string }).Name).sort()).toEqual(
      [...TABLES].sort(),
    );
    for (const [, table] of tables) {
      const input = table.Properties.TableInput as {
        Name: keyof typeof LAKE_SCHEMA;
        Parameters: Record<string, unknown>;
        PartitionKeys: { Name: string; Type: string }[];
        StorageDescriptor: { Columns: { Name: string; Type: string }[] };
      };
      expect(table.Properties.DatabaseName).toBe('cbr_test_lake');
      expect(input.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.tenant_id.type': 'injected',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': '2020-01-01,NOW',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
      });
      expect(flat(input.Parameters['storage.location.template'])).toBe(
        `s3://\${${bucketId('lake')}}/lake/${input.Name}/tenant_id=\${tenant_id}/dt=\${dt}`,
      );
      expect(input.PartitionKeys.map(({ Name, Type }) => [Name, Type])).toEqual([
        ['tenant_id', 'string'],
        ['dt', 'string'],
      ]);
      expect(input.StorageDescriptor.Columns).toEqual(
        LAKE_SCHEMA[input.Name].map((c) => ({ Name: c.name, Type: c.type })),
      );
    }
  });

  it('reads Parquet by default and NDJSON through the OpenX SerDe where configured', () => {
    const serde = (name: string) => {
      const [, table] = resourcesOfType(main.stateful, 'AWS::Glue::Table').find(
        ([, t]) => (t.Properties.TableInput as { Name: string }).Name === name,
      )!;
      return (table.Properties.TableInput as { StorageDescriptor: { SerdeInfo: unknown; InputFormat: string } })
        .StorageDescriptor;
    };
    expect(serde('contacts')).toMatchObject({
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    });
    expect(serde('broadcast_events')).toMatchObject({
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
        Parameters: { 'ignore.malformed.json': 'true' },
      },
    });
  });

  it('runs queries in an enforced engine v3 workgroup with encrypted results and a scan cutoff', () => {
    main.stateful.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'cbr-test-reports',
      WorkGroupConfiguration: {
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 2048 * 1024 * 1024,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: bucketId('results') }, '/results/']] },
        },
      },
    });
  });
});

describe('ComputeStack', () => {
  it('runs the report on Node.js 22, arm64, with tracing, its own log group and the Lambda environment', () => {
    expect(propertiesOf(main.compute, main.report.function)).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: `${BUNDLE_DIR}/index.handler`,
      MemorySize: 1536,
      Timeout: 300,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
    });
    expect(environmentOf(main.compute, main.report.function)).toMatchObject({
      LAKE_BUCKET: 'cbr-test-lake-${AWS::AccountId}-sa-east-1',
      LAKE_PREFIX: 'lake/',
      REPORTS_BUCKET: 'cbr-test-reports-${AWS::AccountId}-sa-east-1',
      REPORTS_KMS_KEY_ID: expect.stringContaining('DataKey'),
      ATHENA_WORKGROUP: 'cbr-test-reports',
      GLUE_DATABASE: 'cbr_test_lake',
      SENDER_EMAIL: 'reports@example.com',
      REPORT_LINK_TTL_DAYS: '45',
    });
    main.compute.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('grants athena, glue, s3 and ses on named resources only, never on "*"', () => {
    const statements = roleStatements(main.compute, main.roleLogicalId);
    const scoped = statements.filter((s) => actionsOf(s).some((a) => /^(athena|glue|s3|ses):/.test(a)));
    expect(scoped.length).toBeGreaterThan(0);
    for (const s of scoped) {
      expect(resourcesOf(s)).not.toContain('*');
      expect(actionsOf(s).every((a) => !a.includes('*'))).toBe(true);
    }
    const wildcards = statements.filter((s) => resourcesOf(s).includes('*'));
    expect(wildcards.flatMap(actionsOf).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);

    const resourcesFor = (action: string) =>
      statements.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf);
    const account = '${AWS::AccountId}';
    expect(resourcesFor('athena:StartQueryExecution')).toEqual([
      `arn:aws:athena:sa-east-1:${account}:workgroup/cbr-test-reports`,
    ]);
    expect(resourcesFor('glue:GetTable').sort()).toEqual(
      [
        `arn:aws:glue:sa-east-1:${account}:catalog`,
        `arn:aws:glue:sa-east-1:${account}:database/cbr_test_lake`,
        ...TABLES.map((t) => `arn:aws:glue:sa-east-1:${account}:table/cbr_test_lake/${t}`),
      ].sort(),
    );
    const bucket = (purpose: string) => `arn:aws:s3:::cbr-test-${purpose}-${account}-sa-east-1`;
    expect(resourcesFor('s3:GetObject').sort()).toEqual(
      [`${bucket('lake')}/lake/*`, `${bucket('reports')}/*`, `${bucket('results')}/results/*`].sort(),
    );
    expect(resourcesFor('s3:PutObject').sort()).toEqual(
      [`${bucket('reports')}/*`, `${bucket('results')}/results/*`].sort(),
    );
    expect(resourcesFor('s3:DeleteObject')).toEqual([`${bucket('reports')}/tenants/*/deliveries/*`]);
    const lakeListing = statements.find(
      (s) => actionsOf(s).includes('s3:ListBucket') && resourcesOf(s).includes(bucket('lake')),
    );
    expect(lakeListing?.Condition).toEqual({ StringLike: { 's3:prefix': ['lake/*'] } });
    expect(resourcesFor('ses:SendRawEmail')).toEqual([`arn:aws:ses:sa-east-1:${account}:identity/example.com`]);
    const kms = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kms.map((s) => s.Condition?.StringEquals?.['kms:ViaService']).sort()).toEqual([
      's3.sa-east-1.amazonaws.com',
      'ssm.sa-east-1.amazonaws.com',
    ]);
  });

  it('schedules each subscription in its own time zone with retries and a dead-letter queue', () => {
    const expected: Record<string, [string, string]> = {
      'acme-weekly': ['cron(0 8 ? * MON *)', 'America/Sao_Paulo'],
      'acme-daily': ['cron(45 6 * * ? *)', 'America/Manaus'],
      'globex-monthly': ['cron(5 23 1 * ? *)', 'Europe/Lisbon'],
    };
    const schedules = resourcesOfType(main.compute, 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(TEST_SUBSCRIPTIONS.length);
    const [queueId] = resourcesOfType(main.compute, 'AWS::SQS::Queue')[0]!;
    const functionId = main.report.function;
    for (const [id, [expression, zone]] of Object.entries(expected)) {
      main.compute.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: `cbr-test-${id}`,
        GroupName: 'cbr-test-reports',
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: zone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
          Input: JSON.stringify({ subscriptionId: id, scheduledAt: '<aws.scheduler.scheduled-time>' }),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RoleArn: Match.anyValue(),
        },
      });
    }
  });

  it('keeps the dead-letter queue encrypted and TLS-only', () => {
    const [queueId, queue] = resourcesOfType(main.compute, 'AWS::SQS::Queue')[0]!;
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    main.compute.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
      Queues: [{ Ref: queueId }],
    });
  });

  it('sends a run that failed every retry to the failure notifier, and a notification that failed to the DLQ', () => {
    const [queueId] = resourcesOfType(main.compute, 'AWS::SQS::Queue')[0]!;
    const configs = Object.fromEntries(
      resourcesOfType(main.compute, 'AWS::Lambda::EventInvokeConfig').map(([, c]) => [
        (c.Properties.FunctionName as { Ref: string }).Ref,
        c.Properties,
      ]),
    );

    expect(Object.keys(configs).sort()).toEqual(
      [main.api.function, main.notifier.function, main.report.function].sort(),
    );
    expect(configs[main.report.function]).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [main.notifier.function, 'Arn'] } } },
    });
    expect(configs[main.notifier.function]).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    // A lost on-demand generation event (the API's self-invocation) is kept there too.
    expect(configs[main.api.function]).toMatchObject({
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    // The destination gets the whole invocation record: the report role invokes the notifier directly.
    const invoke = roleStatements(main.compute, main.report.role).filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );
    expect(invoke.flatMap(resourcesOf).sort()).toEqual(
      [`\${${main.notifier.function}.Arn}`, `\${${main.notifier.function}.Arn}:*`].sort(),
    );
  });

  it('lets the failure notifier only send email (as the SES identity) and reach the DLQ', () => {
    const statements = roleStatements(main.compute, main.notifier.role);
    const actions = statements.flatMap(actionsOf).filter((a) => !/^(logs|xray):/.test(a));
    expect(actions.sort()).toEqual(
      ['ses:SendEmail', 'ses:SendRawEmail', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort(),
    );
    const ses = statements.filter((s) => actionsOf(s).includes('ses:SendRawEmail')).flatMap(resourcesOf);
    expect(ses).toEqual(['arn:aws:ses:sa-east-1:${AWS::AccountId}:identity/example.com']);
    expect(environmentOf(main.compute, main.notifier.function)).toMatchObject({
      SENDER_EMAIL: 'reports@example.com',
      LAKE_BUCKET: expect.any(String),
      REPORTS_BUCKET: expect.any(String),
      ATHENA_WORKGROUP: 'cbr-test-reports',
      GLUE_DATABASE: 'cbr_test_lake',
    });
  });

  it('lets only Scheduler, for this account and schedule group, assume the schedule role', () => {
    main.compute.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ],
      },
    });
  });

  it('alarms on function errors and on any message in the DLQ, to an encrypted topic with the alarm email', () => {
    const [topicId] = resourcesOfType(main.compute, 'AWS::SNS::Topic')[0]!;
    const [queueId] = resourcesOfType(main.compute, 'AWS::SQS::Queue')[0]!;
    main.compute.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    main.compute.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topicId },
    });
    main.compute.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
    main.compute.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  it('subscribes no one when no alarm email is configured', () => {
    const { alarmEmail: _omit, ...withoutAlarmEmail } = TEST_ENV;
    const { compute } = synth(withoutAlarmEmail);
    compute.resourceCountIs('AWS::SNS::Subscription', 0);
    compute.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });
});

describe('Report API', () => {
  const routes = (t: Template) =>
    Object.fromEntries(
      resourcesOfType(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey as string, r.Properties]),
    );
  const poolId = () => resourcesOfType(main.stateful, 'AWS::Cognito::UserPool')[0]![0];
  const clientId = () => resourcesOfType(main.stateful, 'AWS::Cognito::UserPoolClient')[0]![0];
  /** How the compute stack refers to a stateful resource: the output of a Ref, named after its logical id. */
  const crossStackRef = (logicalId: string) => expect.stringMatching(new RegExp(`PublishOutputRef${logicalId}`));

  it('serves the five routes, all but GET /r/{token} behind the Cognito JWT authorizer', () => {
    const [authorizer] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Authorizer')[0]!;
    const byKey = routes(main.compute);

    expect(Object.keys(byKey).sort()).toEqual(
      ['GET /r/{token}', 'GET /reports', 'GET /reports/{id}', 'POST /reports', 'POST /subscriptions/{id}/test'].sort(),
    );
    for (const key of ['POST /reports', 'GET /reports', 'GET /reports/{id}', 'POST /subscriptions/{id}/test']) {
      expect(byKey[key], key).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer } });
    }
    expect(byKey['GET /r/{token}']!.AuthorizationType).toBe('NONE');
    expect(byKey['GET /r/{token}']!.AuthorizerId).toBeUndefined();
    // Every route reaches the API function.
    const [integrationId, integration] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Integration')[0]!;
    expect(integration.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [main.api.function, 'Arn'] },
    });
    for (const route of Object.values(byKey)) expect(flat(route.Target)).toBe(`integrations/\${${integrationId}}`);
  });

  it("accepts the panel client's ID tokens: a JWT authorizer with the pool as issuer and the client as audience", () => {
    const [, authorizer] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Authorizer')[0]!;
    const jwt = authorizer.Properties.JwtConfiguration as { Issuer: unknown; Audience: unknown[] };

    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    expect(flat(jwt.Issuer)).toMatch(/^https:\/\/cognito-idp\.sa-east-1\.amazonaws\.com\//);
    expect(flat(jwt.Issuer)).toEqual(crossStackRef(poolId()));
    expect(jwt.Audience.map(flat)).toEqual([crossStackRef(clientId())]);
  });

  it('creates a user pool with the immutable tenant and mutable profile attributes, MFA and a strong password policy', () => {
    const [, pool] = resourcesOfType(main.stateful, 'AWS::Cognito::UserPool')[0]!;
    expect(pool.Properties.Schema).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Name: 'tenant_id', AttributeDataType: 'String', Mutable: false }),
        expect.objectContaining({ Name: 'profile', AttributeDataType: 'String', Mutable: true }),
      ]),
    );
    expect(pool.Properties).toMatchObject({
      UsernameAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      DeletionProtection: 'ACTIVE',
    });
    main.stateful.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('has an app client without secret, SRP sign-in, whose ID tokens carry the custom attributes users cannot write', () => {
    const [, client] = resourcesOfType(main.stateful, 'AWS::Cognito::UserPoolClient')[0]!;
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: false,
      UserPoolId: { Ref: poolId() },
    });
    expect(client.Properties.ReadAttributes).toEqual(expect.arrayContaining(['custom:tenant_id', 'custom:profile']));
    expect(client.Properties.WriteAttributes).toBeDefined();
    expect((client.Properties.WriteAttributes as string[]).filter((a) => a.startsWith('custom:'))).toEqual([]);
    main.stateful.hasOutput('*', { Value: { Ref: poolId() } });
    main.stateful.hasOutput('*', { Value: { Ref: clientId() } });
  });

  it('uses an existing user pool and app client by id when configured', () => {
    const imported = synth({ ...TEST_ENV, userPoolId: 'us-east-1_AbC123xyz', userPoolClientId: 'abc123def456' });
    imported.stateful.resourceCountIs('AWS::Cognito::UserPool', 0);
    imported.stateful.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    imported.compute.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: {
        Issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz',
        Audience: ['abc123def456'],
      },
    });
  });

  it('logs every request as JSON to its own log group, without the raw path, and throttles the stage', () => {
    const [, stage] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Stage')[0]!;
    const logs = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) },
    });
    expect(flat(logs.DestinationArn)).toMatch(/^\$\{ReportApiAccessLogs\w+\.Arn\}$/);
    expect(JSON.parse(logs.Format)).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey' });
    expect(logs.Format).not.toContain('$context.path');
  });

  it('allows no CORS origin by default, and the configured ones when given', () => {
    const [, api] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Api')[0]!;
    expect(api.Properties.CorsConfiguration).toBeUndefined();

    const withCors = synth({ ...TEST_ENV, apiCorsOrigins: ['https://panel.example.com'] });
    withCors.compute.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://panel.example.com'],
        AllowHeaders: Match.arrayWith(['authorization']),
      },
    });
  });

  it('gives the API function the report environment, API_URL and LINK_KEY_PARAMETER, 1536 MB and 5 minutes', () => {
    const [apiId] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Api')[0]!;
    expect(propertiesOf(main.compute, main.api.function)).toMatchObject({
      FunctionName: 'cbr-test-report-api',
      MemorySize: 1536,
      Timeout: 300,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Layers: [PARAMETERS_EXTENSION_ARM64_LAYERS['sa-east-1']],
    });
    expect(environmentOf(main.compute, main.api.function)).toMatchObject({
      ...environmentOf(main.compute, main.report.function),
      API_URL: `\${${apiId}.ApiEndpoint}`,
      LINK_KEY_PARAMETER: '/cbr-test/report-link-key',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
    });
  });

  it('uses the configured API URL (custom domain) in every function that signs links', () => {
    const custom = synth({ ...TEST_ENV, apiUrl: 'https://reports.example.com' });
    for (const fn of [custom.api, custom.report]) {
      expect(environmentOf(custom.compute, fn.function).API_URL).toBe('https://reports.example.com');
    }
  });

  it('lets the API function read only the link-key parameter, decrypt only through SSM, and invoke only itself', () => {
    const statements = roleStatements(main.compute, main.api.role);
    const resourcesFor = (action: string) =>
      statements.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf);

    expect(resourcesFor('ssm:GetParameter')).toEqual([
      'arn:aws:ssm:sa-east-1:${AWS::AccountId}:parameter/cbr-test/report-link-key',
    ]);
    expect(resourcesFor('lambda:InvokeFunction')).toEqual([
      'arn:aws:lambda:sa-east-1:${AWS::AccountId}:function:cbr-test-report-api',
    ]);
    const ssmKey = statements.find(
      (s) =>
        actionsOf(s).includes('kms:Decrypt') &&
        resourcesOf(s).includes('arn:aws:kms:sa-east-1:${AWS::AccountId}:key/*'),
    );
    expect(ssmKey?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'ssm.sa-east-1.amazonaws.com' },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/ssm' },
    });
  });

  it('grants the API function the report access on tenant objects only, deleting only delivery markers', () => {
    const statements = roleStatements(main.compute, main.api.role);
    const resourcesFor = (action: string) =>
      statements.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf);
    const bucket = (purpose: string) => `arn:aws:s3:::cbr-test-${purpose}-\${AWS::AccountId}-sa-east-1`;

    expect(resourcesFor('s3:PutObject').sort()).toEqual(
      [`${bucket('reports')}/tenants/*`, `${bucket('results')}/results/*`].sort(),
    );
    expect(resourcesFor('s3:GetObject').sort()).toEqual(
      [`${bucket('lake')}/lake/*`, `${bucket('reports')}/tenants/*`, `${bucket('results')}/results/*`].sort(),
    );
    expect(resourcesFor('s3:DeleteObject')).toEqual([`${bucket('reports')}/tenants/*/deliveries/*`]);
    expect(resourcesFor('athena:StartQueryExecution')).toEqual([
      'arn:aws:athena:sa-east-1:${AWS::AccountId}:workgroup/cbr-test-reports',
    ]);
    expect(resourcesFor('ses:SendRawEmail')).toEqual(['arn:aws:ses:sa-east-1:${AWS::AccountId}:identity/example.com']);
    const wildcards = statements.filter((s) => resourcesOf(s).includes('*'));
    expect(wildcards.flatMap(actionsOf).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('lets API Gateway invoke the API function only from this API', () => {
    const [apiId] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Api')[0]!;
    const permissions = resourcesOfType(main.compute, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions.length).toBeGreaterThan(0);
    for (const [, permission] of permissions) {
      expect(permission.Properties.FunctionName).toEqual({ 'Fn::GetAtt': [main.api.function, 'Arn'] });
      expect(flat(permission.Properties.SourceArn)).toMatch(
        new RegExp(`^arn:aws:execute-api:sa-east-1:\\$\\{AWS::AccountId\\}:\\$\\{${apiId}\\}/\\*/\\*/`),
      );
    }
  });

  it('outputs the API URL', () => {
    const [apiId] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Api')[0]!;
    main.compute.hasOutput('*', { Value: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] } });
  });
});

describe('signed links in scheduled digests', () => {
  it('gives the scheduled report function API_URL, LINK_KEY_PARAMETER, the extension layer and the key grants', () => {
    const [apiId] = resourcesOfType(main.compute, 'AWS::ApiGatewayV2::Api')[0]!;
    expect(propertiesOf(main.compute, main.report.function).Layers).toEqual([
      PARAMETERS_EXTENSION_ARM64_LAYERS['sa-east-1'],
    ]);
    expect(environmentOf(main.compute, main.report.function)).toMatchObject({
      API_URL: `\${${apiId}.ApiEndpoint}`,
      LINK_KEY_PARAMETER: '/cbr-test/report-link-key',
    });
    const statements = roleStatements(main.compute, main.report.role);
    expect(statements.filter((s) => actionsOf(s).includes('ssm:GetParameter')).flatMap(resourcesOf)).toEqual([
      'arn:aws:ssm:sa-east-1:${AWS::AccountId}:parameter/cbr-test/report-link-key',
    ]);
  });

  it('takes the layer from config, else from AWS\'s "latest" public parameter in a region without a pinned one', () => {
    const layers = (env: Record<string, unknown>) => {
      const built = synth({ ...TEST_ENV, ...env });
      return [built.report, built.api].map((fn) => propertiesOf(built.compute, fn.function).Layers);
    };
    const configured =
      'arn:aws:lambda:sa-east-1:933737806257:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:1';

    expect(layers({ parametersExtensionLayerArn: configured })).toEqual([[configured], [configured]]);
    expect(layers({ region: 'ap-south-1' })).toEqual([
      [LATEST_PARAMETERS_EXTENSION_ARM64],
      [LATEST_PARAMETERS_EXTENSION_ARM64],
    ]);
    expect(PARAMETERS_EXTENSION_ARM64_LAYERS['us-east-1']).toMatch(
      /^arn:aws:lambda:us-east-1:\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:\d+$/,
    );
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('synthesizes with no unacknowledged error or warning', () => {
    expect(main.error).toBeUndefined();
    const { violations } = new AwsSolutionsChecks().validateScope(main.app);
    expect(violations.map((v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
  });

  it('still reports a wildcard that has not been acknowledged', () => {
    const fresh = synth();
    fresh.computeStack.report.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::elsewhere/*'] }),
    );
    const { violations } = new AwsSolutionsChecks().validateScope(fresh.app);
    expect(violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::elsewhere/*]']);
  });

  it('still reports a route without authorizer other than GET /r/{token}', () => {
    const fresh = synth();
    fresh.computeStack.api.api.addRoutes({
      path: '/open',
      methods: [apigwv2.HttpMethod.GET],
      integration: new integrations.HttpLambdaIntegration('Open', fresh.computeStack.apiFunction.function),
      authorizer: new apigwv2.HttpNoneAuthorizer(),
    });
    const { violations } = new AwsSolutionsChecks().validateScope(fresh.app);
    expect(violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`)).toEqual([
      'AwsSolutions-APIG4 at Compute/ReportApi/HttpApi/GET--open/Resource',
    ]);
  });
});

describe('normalised template snapshot', () => {
  it('matches, with asset hashes replaced', () => {
    const normalise = (t: Template) =>
      JSON.parse(JSON.stringify(t.toJSON()).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>')) as unknown;
    expect({ stateful: normalise(main.stateful), compute: normalise(main.compute) }).toMatchSnapshot();
  });
});

describe('Lambda bundle (esbuild, no Docker)', () => {
  it('lays out each bundle (report, notifier, API) with queries, templates, browser builds and the resvg wasm, and loads it', () => {
    const bundled = synth(TEST_ENV, { bundle: true });

    for (const [name, ids] of Object.entries({
      report: bundled.report,
      notifier: bundled.notifier,
      api: bundled.api,
    })) {
      const code = propertiesOf(bundled.compute, ids.function).Code as { S3Key: unknown };
      const asset = path.join(bundled.outdir, `asset.${flat(code.S3Key).replace(/\.zip$/, '')}`);

      for (const file of [
        `${BUNDLE_DIR}/index.mjs`,
        'templates/email.mjml.hbs',
        'templates/report.html.hbs',
        'templates/fonts/Inter_400Regular.ttf',
        'node_modules/vega/build/vega.min.js',
        'node_modules/vega-lite/build/vega-lite.min.js',
        'node_modules/vega-embed/build/vega-embed.min.js',
        'node_modules/@resvg/resvg-wasm/index_bg.wasm',
      ]) {
        expect(existsSync(path.join(asset, file)), `${name}: ${file}`).toBe(true);
      }
      expect(readdirSync(path.join(asset, 'queries')).sort()).toEqual(readdirSync(path.join(ROOT, 'queries')).sort());
      // The handler's own modules resolve ../../queries and ../../templates from the bundle's folder.
      expect(path.resolve(asset, BUNDLE_DIR, '../../queries')).toBe(path.join(asset, 'queries'));

      // Load it here as Lambda would, with the SDK the runtime provides.
      const copy = mkdtempSync(path.join(tmpdir(), `cbr-bundle-${name}-`));
      outdirs.push(copy);
      cpSync(asset, copy, { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules/@aws-sdk'), path.join(copy, 'node_modules/@aws-sdk'));
      const run = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(`./${BUNDLE_DIR}/index.mjs`)}); if (typeof m.handler !== 'function') process.exit(3);`,
        ],
        {
          cwd: copy,
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'sa-east-1',
            LAKE_BUCKET: 'lake-bucket',
            REPORTS_BUCKET: 'reports-bucket',
            ATHENA_WORKGROUP: 'wg',
            GLUE_DATABASE: 'db',
            SENDER_EMAIL: 'reports@example.com',
            API_URL: 'https://api.example.com',
            LINK_KEY_PARAMETER: '/cbr-test/report-link-key',
          },
        },
      );
      expect(run.stderr, name).toBe('');
      expect(run.status, name).toBe(0);
    }
  }, 300_000);
});
