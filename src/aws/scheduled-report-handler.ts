import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { findSubscription, SUBSCRIPTIONS } from '../../infra/subscriptions.ts';
import { runSubscription, type PipelineDeps, type RunRecord } from '../pipeline/run-subscription.ts';
import { athenaEngineFactory } from './athena-engine.ts';
import { readLambdaEnv, type LambdaEnv } from './lambda-env.ts';
import { ssmExtensionKey } from '../api/keys.ts';
import { ReportLinks, signedReportLink } from '../api/report-links.ts';
import { S3ReportStore } from './s3-report-store.ts';
import { SesMailer } from './ses-mailer.ts';

/** What each EventBridge Scheduler entry sends (infra/compute-stack.ts). */
const ScheduledEvent = z.object({
  subscriptionId: z.string().min(1),
  scheduledAt: z.iso.datetime({ offset: true }),
});

/** Presigned S3 URLs live at most 7 days; the API's signed links (longer-lived) replace them when configured. */
const PRESIGNED_LINK_SECONDS = 7 * 24 * 3600;

/** Signed `/r/<token>` links through the API when it is configured; otherwise presigned S3 URLs. */
function reportLinks(env: LambdaEnv, store: S3ReportStore): PipelineDeps['reportLink'] {
  if (env.API_URL && env.LINK_KEY_PARAMETER) {
    const links = new ReportLinks({
      key: ssmExtensionKey(env.LINK_KEY_PARAMETER),
      ttlDays: env.REPORT_LINK_TTL_DAYS,
    });
    return signedReportLink(links, env.API_URL);
  }
  // Presigned URLs end when the role's session credentials do (hours), whatever their requested lifetime.
  console.warn('API_URL or LINK_KEY_PARAMETER not set: digests link to presigned S3 URLs that expire early');
  return (_tenantId, key) => store.readUrl(key, PRESIGNED_LINK_SECONDS);
}

// Clients and adapters are built once per container, on the first invocation.
let deps: PipelineDeps | undefined;
function adapters(): PipelineDeps {
  if (deps) return deps;
  const env = readLambdaEnv();
  const s3 = new S3Client({});
  const store = new S3ReportStore({ client: s3, bucket: env.REPORTS_BUCKET, kmsKeyId: env.REPORTS_KMS_KEY_ID });
  deps = {
    openEngine: athenaEngineFactory({
      athena: new AthenaClient({}),
      s3,
      workgroup: env.ATHENA_WORKGROUP,
      database: env.GLUE_DATABASE,
      lakeBucket: env.LAKE_BUCKET,
      lakePrefix: env.LAKE_PREFIX,
    }),
    store,
    mailer: new SesMailer({ client: new SESv2Client({}), configurationSetName: env.SES_CONFIGURATION_SET }),
    sender: env.SENDER_EMAIL,
    now: () => new Date(),
    reportLink: reportLinks(env, store),
  };
  return deps;
}

/** EventBridge Scheduler → one subscription's report for the period that just closed. */
export async function handler(event: unknown): Promise<RunRecord> {
  const parsed = ScheduledEvent.safeParse(event);
  if (!parsed.success) throw new Error(`invalid scheduled event: ${z.prettifyError(parsed.error)}`);
  const subscription = findSubscription(SUBSCRIPTIONS, parsed.data.subscriptionId);
  if (!subscription) throw new Error(`unknown subscription "${parsed.data.subscriptionId}"`);
  const record = await runSubscription(subscription, new Date(parsed.data.scheduledAt), adapters());
  console.log(JSON.stringify({ message: 'report run', ...record }));
  return record;
}
