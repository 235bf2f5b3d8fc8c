import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type { Construct } from 'constructs';
import type { Subscription } from '../src/core/subscription.ts';
import type { AppConfig } from './config.ts';
import { LinkSigningKey } from './constructs/link-signing-key.ts';
import { acknowledge, acknowledgeWildcardResource } from './constructs/nag.ts';
import { ReportAlarms } from './constructs/report-alarms.ts';
import { ReportApi } from './constructs/report-api.ts';
import { ReportFunction } from './constructs/report-function.ts';
import { ReportSchedules } from './constructs/report-schedules.ts';
import type { ReportData } from './stateful-stack.ts';

/**
 * Delivery markers the pipeline claims before sending and deletes again when sending fails
 * (src/pipeline/run-subscription.ts); nothing else in the reports bucket may be deleted.
 */
export const DELIVERY_MARKERS = 'tenants/*/deliveries/*';

/** Everything the API keeps in the reports bucket is per tenant, under this prefix. */
export const TENANTS_PREFIX = 'tenants/';

export const ENTRIES = {
  scheduledReport: 'lambdas/scheduled-report.ts',
  failureNotifier: 'lambdas/failure-notifier.ts',
  api: 'lambdas/api.ts',
} as const;

export interface ComputeStackProps extends StackProps {
  config: AppConfig;
  data: ReportData;
  subscriptions: readonly Subscription[];
  /** Entry file of the scheduled Lambda, relative to the project root. */
  entry?: string;
}

/** The report, notifier and API Lambdas, the schedules, the HTTP API and alarms: stateless, safe to destroy and redeploy. */
export class ComputeStack extends Stack {
  readonly report: ReportFunction;
  readonly notifier: ReportFunction;
  readonly apiFunction: ReportFunction;
  readonly api: ReportApi;
  readonly linkKey: LinkSigningKey;
  readonly schedules: ReportSchedules;
  readonly alarms: ReportAlarms;
  /** The base URL signed archive links point to: the custom domain when configured, else the API's endpoint. */
  readonly apiUrl: string;

  private readonly config: AppConfig;
  private readonly data: ReportData;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    const { config, data } = props;
    this.config = config;
    this.data = data;

    // What every function's code validates at cold start (src/aws/lambda-env.ts LambdaEnv).
    const environment: Record<string, string> = {
      LAKE_BUCKET: data.lakeBucket.fixedName,
      LAKE_PREFIX: config.lakePrefix,
      REPORTS_BUCKET: data.reportsBucket.fixedName,
      REPORTS_KMS_KEY_ID: data.dataKey.keyArn,
      ATHENA_WORKGROUP: data.workgroup.name,
      GLUE_DATABASE: data.catalog.databaseName,
      SENDER_EMAIL: config.senderEmail,
      ...(config.sesConfigurationSet ? { SES_CONFIGURATION_SET: config.sesConfigurationSet } : {}),
      REPORT_LINK_TTL_DAYS: String(config.reportLinkTtlDays),
    };
    this.linkKey = new LinkSigningKey(this, {
      parameterName: config.linkKeyParameterName,
      layerArn: config.parametersExtensionLayerArn,
    });

    this.report = new ReportFunction(this, 'ScheduledReport', {
      entry: props.entry ?? ENTRIES.scheduledReport,
      description: 'Builds and emails one scheduled Contact Behavior report',
      environment: { ...environment, ...this.linkKey.environment },
      paramsAndSecrets: this.linkKey.extension,
    });
    this.grantReportAccess(this.report, '');

    this.notifier = new ReportFunction(this, 'FailureNotifier', {
      entry: ENTRIES.failureNotifier,
      description: "Tells a subscription's admins that its scheduled report failed after every retry",
      roleDescription: 'Failure notifier: send one email through SES',
      environment,
      memorySize: 512,
      timeout: Duration.minutes(1),
    });
    this.grantSendEmail(this.notifier);

    // Named up front: the function invokes itself by name, and its policy names its own ARN without a reference cycle.
    this.apiFunction = new ReportFunction(this, 'Api', {
      entry: ENTRIES.api,
      functionName: `${config.namePrefix}-report-api`,
      description: 'Report API: on-demand reports, archive, test digests, signed links; runs on-demand generation too',
      roleDescription: 'Report API Lambda: query the lake, archive and read reports of any tenant, send test emails',
      environment: { ...environment, ...this.linkKey.environment },
      paramsAndSecrets: this.linkKey.extension,
      memorySize: 1536,
      // API Gateway gives up after 30 s; the rest is for on-demand generation, invoked asynchronously by itself.
      timeout: Duration.minutes(5),
    });
    this.grantReportAccess(this.apiFunction, TENANTS_PREFIX);
    this.apiFunction.grantInvokeSelf();

    this.api = new ReportApi(this, 'ReportApi', {
      name: `${config.namePrefix}-reports`,
      function: this.apiFunction.function,
      users: data.users,
      corsOrigins: config.apiCorsOrigins,
    });
    // The endpoint is an attribute of the API alone, not of its routes or integration: no cycle.
    this.apiUrl = config.apiUrl ?? this.api.url;
    for (const fn of [this.report, this.apiFunction]) fn.function.addEnvironment('API_URL', this.apiUrl);

    this.schedules = new ReportSchedules(this, 'Schedules', {
      function: this.report.function,
      subscriptions: props.subscriptions,
      namePrefix: config.namePrefix,
    });
    // Scheduler invokes asynchronously: a run that still throws after Lambda's retries goes to the notifier,
    // with the whole invocation record (request and response payloads, condition).
    this.report.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.LambdaDestination(this.notifier.function, { responseOnly: false }),
    });
    acknowledgeWildcardResource(
      this.report.role,
      `${this.notifier.function.functionArn}:*`,
      "The on-failure destination's grant also allows the notifier's qualified ARNs (versions, aliases) of this one function",
    );
    // A notification that cannot be sent lands in the dead-letter queue (and its alarm) after its own retries.
    this.notifier.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.schedules.deadLetterQueue),
    });
    // An on-demand generation event that still fails after its retries (the job stays unfinished) is kept there too.
    this.apiFunction.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.schedules.deadLetterQueue),
    });

    this.alarms = new ReportAlarms(this, 'Alarms', {
      function: this.report.function,
      deadLetterQueue: this.schedules.deadLetterQueue,
      alarmEmail: config.alarmEmail,
      namePrefix: config.namePrefix,
    });

    this.acknowledgeNagFindings();
  }

  /**
   * What generating a report takes: queries in the workgroup, the catalog and the lake, report objects
   * under `reportsPrefix` ('' = the whole bucket), deleting delivery markers, sending email, and the
   * link-signing key. Each wildcard resource this adds is acknowledged on this function's role only.
   */
  private grantReportAccess(fn: ReportFunction, reportsPrefix: string): void {
    const { data } = this;
    data.workgroup.grantQuery(fn.role);
    data.catalog.grantRead(fn.role);
    data.reportsBucket.grantObjectAccess(fn.role, { read: true, write: true, prefix: reportsPrefix });
    data.reportsBucket.grantDeleteObjects(fn.role, DELIVERY_MARKERS);
    this.grantSendEmail(fn);
    this.linkKey.grantRead(fn.role);

    const objects = 'Object actions cannot be scoped below a key prefix; only the listed actions are allowed';
    acknowledgeWildcardResource(
      fn.role,
      data.lakeBucket.objectsArn(this.config.lakePrefix),
      `${objects}: s3:GetObject under the lake prefix, which holds only the four contract tables`,
    );
    acknowledgeWildcardResource(
      fn.role,
      data.reportsBucket.objectsArn(reportsPrefix),
      `${objects}: the function writes and reads report archives of any tenant in the reports bucket${reportsPrefix ? ` (only under ${reportsPrefix})` : ''}`,
    );
    acknowledgeWildcardResource(
      fn.role,
      `${data.reportsBucket.fixedArn}/${DELIVERY_MARKERS}`,
      'Only s3:DeleteObject, only on delivery markers (any tenant, any subscription): a failed send releases its claim',
    );
    acknowledgeWildcardResource(
      fn.role,
      data.workgroup.resultsObjectsArn,
      `${objects}: Athena writes each query's results under results/ with the caller's credentials`,
    );
  }

  private grantSendEmail(fn: ReportFunction): void {
    const { config } = this;
    fn.grantSendEmail(
      this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.sesIdentity }),
      config.sesConfigurationSet
        ? this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: config.sesConfigurationSet })
        : undefined,
    );
  }

  /** Each acknowledgement names the one construct and finding it is about. */
  private acknowledgeNagFindings(): void {
    for (const fn of [this.report, this.notifier, this.apiFunction]) {
      acknowledge(
        fn.role,
        'AwsSolutions-IAM5[Resource::*]',
        'Only X-Ray xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing): they support no resource-level permissions',
      );
      acknowledge(
        fn.function,
        'AwsSolutions-L1',
        'Pinned to nodejs22.x on purpose: the code and its dependencies are tested on Node 20/22, and moving to 24 is a tested upgrade, not an automatic one',
      );
    }
  }
}
