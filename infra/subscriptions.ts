import deployed from '../subscriptions.json' with { type: 'json' };
import { parseSubscriptions, type Subscription } from '../src/core/subscription.ts';

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

/**
 * The subscriptions the app deploys, one schedule each: `subscriptions.json` at the project root. Edit it
 * (and redeploy) to add a tenant's report; the Lambdas receive only the id and look the rest up in the same file.
 */
export const SUBSCRIPTIONS: Subscription[] = parseSubscriptions(deployed);
