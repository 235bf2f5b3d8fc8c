import deployed from '../subscriptions.json' with { type: 'json' };
import { z } from 'zod';
import { ReportLinks, signedReportLink } from '../src/api/report-links.ts';
import { awsAdapters } from '../src/aws/aws-adapters.ts';
import { readLambdaEnv, type LambdaEnv } from '../src/aws/lambda-env.ts';
import type { S3ReportStore } from '../src/aws/s3-report-store.ts';
import { ssmExtensionKey } from '../src/aws/ssm-extension-key.ts';
import { findSubscription, parseSubscriptions } from '../src/core/subscription.ts';
import { runSubscription, type PipelineDeps, type RunRecord } from '../src/pipeline/run-subscription.ts';

/** The deployed subscriptions (subscriptions.json, bundled): events carry only a subscription's id. */
const SUBSCRIPTIONS = parseSubscriptions(deployed);

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
  const { openEngine, store, mailer } = awsAdapters(env);
  deps = {
    openEngine,
    store,
    mailer,
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
