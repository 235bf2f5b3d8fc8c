import deployed from '../subscriptions.json' with { type: 'json' };
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { readLambdaEnv } from '../src/aws/lambda-env.ts';
import { SesMailer } from '../src/aws/ses-mailer.ts';
import { closedPeriod } from '../src/core/closed-period.ts';
import type { Mailer } from '../src/core/mailer.port.ts';
import { findSubscription, parseSubscriptions, type Subscription } from '../src/core/subscription.ts';
import { notifyFailure } from '../src/pipeline/notify-failure.ts';

/** The deployed subscriptions (subscriptions.json, bundled): events carry only a subscription's id. */
const SUBSCRIPTIONS = parseSubscriptions(deployed);

/** What Lambda sends to an on-failure destination once an asynchronous invocation has used up its retries. */
const InvocationRecord = z.object({
  requestContext: z.object({
    requestId: z.string().optional(),
    condition: z.string(),
    approximateInvokeCount: z.number().optional(),
  }),
  requestPayload: z.object({ subscriptionId: z.string(), scheduledAt: z.string() }),
  responsePayload: z.object({ errorMessage: z.string().optional(), errorType: z.string().optional() }).nullish(),
});

export interface NotifierDeps {
  mailer: Mailer;
  sender: string;
  subscriptions?: readonly Subscription[];
}

/** The report run failed for good (retries exhausted): tell the subscription's admins, in their language. */
export async function notifyExhaustedRun(event: unknown, deps: NotifierDeps): Promise<{ messageId: string }> {
  const parsed = InvocationRecord.safeParse(event);
  if (!parsed.success) throw new Error(`invalid failure record: ${z.prettifyError(parsed.error)}`);
  const { requestPayload, responsePayload, requestContext } = parsed.data;
  const subscription = findSubscription(deps.subscriptions ?? SUBSCRIPTIONS, requestPayload.subscriptionId);
  if (!subscription) throw new Error(`unknown subscription "${requestPayload.subscriptionId}"`);
  const period = closedPeriod(subscription.cadence, subscription.timezone, new Date(requestPayload.scheduledAt));
  // Admins get the kind of failure and a reference to the logs, not bucket names or SQL from the raw message.
  const kind = responsePayload?.errorType ?? requestContext.condition;
  const attempts = requestContext.approximateInvokeCount ?? 'several';
  const error = `${kind} after ${attempts} attempts (reference ${requestContext.requestId ?? 'unknown'})`;
  return notifyFailure({ ...subscription, subscriptionId: subscription.id, period, error }, deps.mailer, deps.sender);
}

let deps: NotifierDeps | undefined;
export async function handler(event: unknown): Promise<{ messageId: string }> {
  if (!deps) {
    const env = readLambdaEnv();
    deps = {
      mailer: new SesMailer({ client: new SESv2Client({}), configurationSetName: env.SES_CONFIGURATION_SET }),
      sender: env.SENDER_EMAIL,
    };
  }
  return notifyExhaustedRun(event, deps);
}
