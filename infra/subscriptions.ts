import { z } from 'zod';
import { CADENCES, type Cadence } from '../src/core/closed-period.ts';
import { InputError } from '../src/core/errors.ts';
import { MAX_RECIPIENTS } from '../src/core/mailer.port.ts';
import { validateTenantId, validateTimezone } from '../src/core/report-request.ts';
import { LOCALES, type Locale } from '../src/render/i18n.ts';

// Kept free of aws-cdk-lib so that the report Lambda can import the same list to look a subscription up by id.

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
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
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

/** Cron fields as EventBridge Scheduler (and CDK's CronOptions) take them; unset fields mean "every". */
export interface CronFields {
  minute: string;
  hour: string;
  /** Day of month; set only for monthly reports. */
  day?: string;
  /** Day of week; set only for weekly reports. */
  weekDay?: string;
}

/** Daily every day, weekly on Monday, monthly on day 1, at `sendAt` (the schedule carries the zone). */
export function cronFields({ cadence, sendAt }: Pick<Subscription, 'cadence' | 'sendAt'>): CronFields {
  const [hour, minute] = sendAt.split(':').map(Number);
  const at = { minute: String(minute), hour: String(hour) };
  switch (cadence) {
    case 'daily':
      return at;
    case 'weekly':
      return { ...at, weekDay: 'MON' };
    case 'monthly':
      return { ...at, day: '1' };
  }
}

/** The Scheduler expression, e.g. `cron(0 8 ? * MON *)` for weekly at 08:00. */
export function cronExpression(subscription: Pick<Subscription, 'cadence' | 'sendAt'>): string {
  const f = cronFields(subscription);
  const day = f.day ?? (f.weekDay ? '?' : '*');
  return `cron(${f.minute} ${f.hour} ${day} * ${f.weekDay ?? '?'} *)`;
}

export function findSubscription(subscriptions: readonly Subscription[], id: string): Subscription | undefined {
  return subscriptions.find((s) => s.id === id);
}

/**
 * The subscriptions the app deploys, one schedule each. Edit this list (and redeploy) to add a
 * tenant's report; the Lambda receives only the id and looks the rest up here.
 */
export const SUBSCRIPTIONS: Subscription[] = parseSubscriptions([
  {
    id: 'acme-weekly',
    tenantId: 'acme',
    cadence: 'weekly',
    sendAt: '08:00',
    timezone: 'America/Sao_Paulo',
    recipients: ['marketing@acme.example.com', 'cx-lead@acme.example.com'],
    locale: 'pt-BR',
  },
  {
    id: 'acme-daily',
    tenantId: 'acme',
    cadence: 'daily',
    sendAt: '07:30',
    timezone: 'America/Sao_Paulo',
    recipients: ['ops@acme.example.com'],
    locale: 'pt-BR',
  },
  {
    id: 'globex-monthly',
    tenantId: 'globex',
    cadence: 'monthly',
    sendAt: '09:15',
    timezone: 'America/New_York',
    recipients: ['growth@globex.example.com'],
    locale: 'en',
  },
] satisfies Subscription[]);
