import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { AppConfig } from './config.ts';
import { LakeCatalog } from './constructs/lake-catalog.ts';
import { ReportUsers } from './constructs/report-users.ts';
import { ReportWorkgroup } from './constructs/report-workgroup.ts';
import { SecureBucket } from './constructs/secure-bucket.ts';

export interface StatefulStackProps extends StackProps {
  config: AppConfig;
}

/** What the compute side needs from the data side. */
export interface ReportData {
  lakeBucket: SecureBucket;
  reportsBucket: SecureBucket;
  dataKey: kms.IKey;
  catalog: LakeCatalog;
  workgroup: ReportWorkgroup;
  users: ReportUsers;
}

/**
 * Buckets, key, Glue catalog, Athena workgroup and the API's user pool: everything that keeps data
 * (objects, users and their MFA enrolments), retained on stack deletion.
 */
export class StatefulStack extends Stack implements ReportData {
  readonly dataKey: kms.Key;
  readonly accessLogsBucket: SecureBucket;
  readonly lakeBucket: SecureBucket;
  readonly reportsBucket: SecureBucket;
  readonly resultsBucket: SecureBucket;
  readonly catalog: LakeCatalog;
  readonly workgroup: ReportWorkgroup;
  readonly users: ReportUsers;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

    // One customer-managed key for the data buckets; S3 server access logs only support SSE-S3.
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `${config.namePrefix}: lake, reports and Athena results`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.dataKey.addAlias(`alias/${config.namePrefix}-data`);

    // Fixed names: predictable for the lake's writers, and referable from other stacks without outputs.
    const bucketName = (purpose: string) => `${config.namePrefix}-${purpose}-${this.account}-${this.region}`;
    this.accessLogsBucket = new SecureBucket(this, 'AccessLogsBucket', {
      bucketName: bucketName('access-logs'),
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    const logsTo = (prefix: string) => ({ bucket: this.accessLogsBucket, prefix });

    this.lakeBucket = new SecureBucket(this, 'LakeBucket', {
      bucketName: bucketName('lake'),
      encryptionKey: this.dataKey,
      accessLogs: logsTo('lake/'),
    });
    this.reportsBucket = new SecureBucket(this, 'ReportsBucket', {
      bucketName: bucketName('reports'),
      encryptionKey: this.dataKey,
      accessLogs: logsTo('reports/'),
      versioned: true,
      lifecycleRules: [{ id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(30) }],
    });
    this.resultsBucket = new SecureBucket(this, 'AthenaResultsBucket', {
      bucketName: bucketName('results'),
      encryptionKey: this.dataKey,
      accessLogs: logsTo('athena-results/'),
      lifecycleRules: [{ id: 'expire-query-results', expiration: Duration.days(30) }],
    });

    this.catalog = new LakeCatalog(this, 'LakeCatalog', {
      bucket: this.lakeBucket,
      prefix: config.lakePrefix,
      databaseName: `${config.namePrefix.replaceAll('-', '_')}_lake`,
      tableFormats: config.tableFormats,
    });
    this.workgroup = new ReportWorkgroup(this, 'ReportWorkgroup', {
      name: `${config.namePrefix}-reports`,
      resultsBucket: this.resultsBucket,
      bytesScannedCutoffMb: config.bytesScannedCutoffMb,
    });
    this.users = new ReportUsers(this, 'ReportUsers', {
      namePrefix: config.namePrefix,
      userPoolId: config.userPoolId,
      userPoolClientId: config.userPoolClientId,
    });
  }
}
