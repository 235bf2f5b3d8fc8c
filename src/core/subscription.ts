import { z } from 'zod';
import { SUBSCRIPTION_ID } from './archive-layout.ts';
import { CADENCES, type Cadence } from './closed-period.ts';
import { InputError } from './errors.ts';
import { LOCALES, type Locale } from './locale.ts';
import { MAX_RECIPIENTS } from './mailer.port.ts';
import { validateTenantId, validateTimezone } from './report-request.ts';

/** One tenant's recurring report: who receives it, how often, and at what local time. */
export interface Subscription {
  /** Unique; names the schedule and travels in the Lambda event as `subscriptionId`. */
  id: string;
  tenantId: string;
  cadence: Cadence;
  /** Local wall-clock time, HH:MM (24 h), in `timezone`. */
  sendAt: string;
  /** IANA zone name, e.g. America/Sao_Paulo; the schedule fires in it, daylight saving included. */
  timezone: string;
  recipients: string[];
  locale: Locale;
}

const fromValidator = (validate: (value: string) => string) => (value: string, ctx: z.RefinementCtx) => {
  try {
    validate(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
};

const SubscriptionSchema = z.strictObject({
  id: z.string().regex(SUBSCRIPTION_ID, {
    error: 'expected 1-40 lowercase letters, digits or "-", starting with a letter or digit',
  }),
  tenantId: z.string().superRefine(fromValidator(validateTenantId)),
  cadence: z.enum(CADENCES, { error: `expected one of ${CADENCES.join(', ')}` }),
  sendAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a local time as HH:MM (00:00-23:59)' }),
  timezone: z.string().superRefine(fromValidator(validateTimezone)),
  recipients: z
    .array(z.email({ error: (issue) => `invalid recipient ${JSON.stringify(issue.input)}: expected an email address` }))
    .min(1, { error: 'expected at least one recipient' })
    .max(MAX_RECIPIENTS, { error: `expected at most ${MAX_RECIPIENTS} recipients (the SES limit per message)` }),
  locale: z.enum(LOCALES, { error: `expected one of ${LOCALES.join(', ')}` }),
});

/** A subscription list that is not valid: bad input, like a bad report request. */
export class SubscriptionError extends InputError {
  override name = 'SubscriptionError';
}

/** Validates a list of subscriptions; errors name the entry (index and id) and the field. */
export function parseSubscriptions(input: unknown): Subscription[] {
  const parsed = z.array(z.unknown(), { error: 'expected an array of subscriptions' }).safeParse(input);
  if (!parsed.success) throw new SubscriptionError(`invalid subscriptions: ${parsed.error.issues[0]?.message}`);
  const problems: string[] = [];
  const subscriptions: Subscription[] = [];
  const seen = new Map<string, number>();
  parsed.data.forEach((raw, index) => {
    const rawId = (raw as { id?: unknown } | null)?.id;
    const label = `subscriptions[${index}]${typeof rawId === 'string' ? ` (${rawId})` : ''}`;
    const one = SubscriptionSchema.safeParse(raw);
    if (!one.success) {
      for (const issue of one.error.issues) {
        const field = issue.path.map(String).join('.');
        problems.push(`${label}${field ? `.${field}` : ''}: ${issue.message}`);
      }
      return;
    }
    const first = seen.get(one.data.id);
    if (first !== undefined) problems.push(`${label}.id: duplicate id, already used by subscriptions[${first}]`);
    else seen.set(one.data.id, index);
    subscriptions.push(one.data);
  });
  if (problems.length) throw new SubscriptionError(`invalid subscriptions:\n  - ${problems.join('\n  - ')}`);
  return subscriptions;
}

export function findSubscription(subscriptions: readonly Subscription[], id: string): Subscription | undefined {
  return subscriptions.find((s) => s.id === id);
}
