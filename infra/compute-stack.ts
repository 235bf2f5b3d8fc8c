import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type { Construct } from 'constructs';
import type { AppConfig } from './config.ts';
import { acknowledge, acknowledgeWildcardResource } from './constructs/nag.ts';
import { ReportAlarms } from './constructs/report-alarms.ts';
import { ReportFunction } from './constructs/report-function.ts';
import { ReportSchedules } from './constructs/report-schedules.ts';
import type { ReportData } from './stateful-stack.ts';
import type { Subscription } from './subscriptions.ts';

/**
 * Delivery markers the pipeline claims before sending and deletes again when sending fails
 * (src/pipeline/run-subscription.ts); nothing else in the reports bucket may be deleted.
 */
export const DELIVERY_MARKERS = 'tenants/*/deliveries/*';

export interface ComputeStackProps extends StackProps {
  config: AppConfig;
  data: ReportData;
  subscriptions: readonly Subscription[];
  /** Entry file of the scheduled Lambda, relative to the project root. */
  entry?: string;
}

/** The report Lambda, its schedules and alarms: stateless, safe to destroy and redeploy. */
export class ComputeStack extends Stack {
  readonly report: ReportFunction;
  readonly schedules: ReportSchedules;
  readonly alarms: ReportAlarms;

  private readonly config: AppConfig;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    const { config, data } = props;
    this.config = config;

    this.report = new ReportFunction(this, 'ScheduledReport', {
      entry: props.entry ?? 'lambdas/scheduled-report.ts',
      description: 'Builds and emails one scheduled Contact Behavior report',
      environment: {
        LAKE_BUCKET: data.lakeBucket.fixedName,
        LAKE_PREFIX: config.lakePrefix,
        REPORTS_BUCKET: data.reportsBucket.fixedName,
        REPORTS_KMS_KEY_ID: data.dataKey.keyArn,
        ATHENA_WORKGROUP: data.workgroup.name,
        GLUE_DATABASE: data.catalog.databaseName,
        SENDER_EMAIL: config.senderEmail,
        ...(config.sesConfigurationSet ? { SES_CONFIGURATION_SET: config.sesConfigurationSet } : {}),
        ...(config.apiUrl ? { API_URL: config.apiUrl } : {}),
        REPORT_LINK_TTL_DAYS: String(config.reportLinkTtlDays),
      },
    });
    const fn = this.report.function;

    data.workgroup.grantQuery(fn);
    data.catalog.grantRead(fn);
    data.reportsBucket.grantObjectAccess(fn, { read: true, write: true });
    data.reportsBucket.grantDeleteObjects(fn, DELIVERY_MARKERS);
    this.report.grantSendEmail(
      this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.sesIdentity }),
      config.sesConfigurationSet
        ? this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: config.sesConfigurationSet })
        : undefined,
    );

    this.schedules = new ReportSchedules(this, 'Schedules', {
      function: fn,
      subscriptions: props.subscriptions,
      namePrefix: config.namePrefix,
    });
    // Scheduler invokes asynchronously: a run that throws is retried by Lambda, then lands in the same DLQ.
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.schedules.deadLetterQueue),
    });

    this.alarms = new ReportAlarms(this, 'Alarms', {
      function: fn,
      deadLetterQueue: this.schedules.deadLetterQueue,
      alarmEmail: config.alarmEmail,
      namePrefix: config.namePrefix,
    });

    this.acknowledgeNagFindings(data);
  }

  /** Each acknowledgement names the one construct and finding it is about. */
  private acknowledgeNagFindings(data: ReportData): void {
    const policy = this.report.role;
    const objects = 'Object actions cannot be scoped below a key prefix; only the listed actions are allowed';
    acknowledgeWildcardResource(
      policy,
      data.lakeBucket.objectsArn(this.config.lakePrefix),
      `${objects}: s3:GetObject under the lake prefix, which holds only the four contract tables`,
    );
    acknowledgeWildcardResource(
      policy,
      data.reportsBucket.objectsArn(),
      `${objects}: the function writes and reads report archives of any tenant in the reports bucket`,
    );
    acknowledgeWildcardResource(
      policy,
      `${data.reportsBucket.fixedArn}/${DELIVERY_MARKERS}`,
      'Only s3:DeleteObject, only on delivery markers (any tenant, any subscription): a failed send releases its claim',
    );
    acknowledgeWildcardResource(
      policy,
      data.workgroup.resultsObjectsArn,
      `${objects}: Athena writes each query's results under results/ with the caller's credentials`,
    );
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'Only X-Ray xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing): they support no resource-level permissions',
    );
    acknowledge(
      this.report.function,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: the code and its dependencies are tested on Node 20/22, and moving to 24 is a tested upgrade, not an automatic one',
    );
  }
}
