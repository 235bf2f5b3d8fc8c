import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../core/mailer.port.ts';
import type { EngineFactory } from '../core/query-engine.port.ts';
import { athenaEngineFactory } from './athena-engine.ts';
import type { LambdaEnv } from './lambda-env.ts';
import { S3ReportStore } from './s3-report-store.ts';
import { SesMailer } from './ses-mailer.ts';

export interface AwsAdapters {
  openEngine: EngineFactory;
  store: S3ReportStore;
  mailer: Mailer;
}

/** The one place the production adapters are built: Athena over the lake, the S3 archive, SES. */
export function awsAdapters(env: LambdaEnv): AwsAdapters {
  const s3 = new S3Client({});
  return {
    openEngine: athenaEngineFactory({
      athena: new AthenaClient({}),
      s3,
      workgroup: env.ATHENA_WORKGROUP,
      database: env.GLUE_DATABASE,
      lakeBucket: env.LAKE_BUCKET,
      lakePrefix: env.LAKE_PREFIX,
    }),
    store: new S3ReportStore({ client: s3, bucket: env.REPORTS_BUCKET, kmsKeyId: env.REPORTS_KMS_KEY_ID }),
    mailer: new SesMailer({ client: new SESv2Client({}), configurationSetName: env.SES_CONFIGURATION_SET }),
  };
}
