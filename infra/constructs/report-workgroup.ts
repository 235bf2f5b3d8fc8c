import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { SecureBucket } from './secure-bucket.ts';

export interface ReportWorkgroupProps {
  name: string;
  /** Query results land here, under `results/`, encrypted with the bucket's key. */
  resultsBucket: SecureBucket;
  /** Athena cancels a query that would scan more than this. */
  bytesScannedCutoffMb: number;
}

export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';
const RESULTS_PREFIX = 'results/';

/** The Athena workgroup reports run in: engine v3, settings enforced, results encrypted, a scan cutoff per query. */
export class ReportWorkgroup extends Construct {
  readonly name: string;
  readonly workgroup: athena.CfnWorkGroup;
  private readonly resultsBucket: SecureBucket;

  constructor(scope: Construct, id: string, props: ReportWorkgroupProps) {
    super(scope, id);
    this.name = props.name;
    this.resultsBucket = props.resultsBucket;
    const key = props.resultsBucket.encryptionKey;
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.name,
      description: 'Contact Behavior report queries',
      state: 'ENABLED',
      workGroupConfiguration: {
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffMb * 1024 * 1024,
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/${RESULTS_PREFIX}`,
          expectedBucketOwner: Stack.of(this).account,
          encryptionConfiguration: key
            ? { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn }
            : { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }

  /** Where query results are written: the objects a querying principal must read and write. */
  get resultsObjectsArn(): string {
    return this.resultsBucket.objectsArn(RESULTS_PREFIX);
  }

  get arn(): string {
    return Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.name });
  }

  /** Run queries in this workgroup and read their results (the tables' own grants come from the catalog). */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
      ],
      resourceArns: [this.arn],
    });
    this.resultsBucket.grantObjectAccess(grantee, { read: true, write: true, prefix: RESULTS_PREFIX });
    return grant;
  }
}
