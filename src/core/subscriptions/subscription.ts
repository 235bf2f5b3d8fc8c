import { z } from 'zod';
import { InputError } from '../errors.ts';
import { LOCALES, type Locale } from '../locale.ts';
import { MAX_RECIPIENTS } from '../mailer.port.ts';
import { validateDate, validateTenantId, validateTimezone } from '../report-request.ts';
import { SCHEDULE_CADENCES, type Schedule } from './schedule.ts';

export const SUBSCRIPTION_LOCALES = LOCALES;
export type SubscriptionLocale = Locale;

export const SUBSCRIPTION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const MAX_NAME_LENGTH = 100;

/**
 * Whether a recipient still gets the digest: `unsubscribed` used the link in a digest, `suppressed`
 * bounced hard or complained. Neither is ever sent to, and both are kept so that admins see them.
 */
export const RECIPIENT_STATUSES = ['active', 'unsubscribed', 'suppressed'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export interface Recipient {
  email: string;
  status: RecipientStatus;
  /** When the status last changed away from, or back to, active. */
  statusChangedAt?: string;
}

/** Who changed a record: a user's email or `sub`, or a system actor (`import`, `unsubscribe-link`, `bounce-handler`). */
export type Actor = string;

/** One tenant's recurring digest, as the store keeps it. */
export interface SubscriptionRecord {
  tenantId: string;
  id: string;
  name?: string;
  schedule: Schedule;
  locale: SubscriptionLocale;
  recipients: Recipient[];
  /** Inclusive local dates in the schedule's zone. */
  startDate?: string;
  endDate?: string;
  paused: boolean;
  /** 1 on creation, +1 on every change; an update naming another version is refused. */
  version: number;
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  updatedBy: Actor;
  /** The next send instant (ISO), maintained with the record; absent when paused or past the last date. */
  nextRunAt?: string;
}

/** A field that cannot be accepted; `field` is its dotted path, e.g. `schedule.dayOfMonth` or `recipients.3`. */
export class SubscriptionValidationError extends InputError {
  override name = 'SubscriptionValidationError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

const refineWith = (validate: (value: string) => unknown) => (value: string, ctx: z.RefinementCtx) => {
  try {
    validate(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
};

const TIME = z
  .string({ error: 'expected a local time as HH:MM' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a local time as HH:MM (00:00-23:59)' });
const ZONE = z.string({ error: 'expected an IANA time zone name' }).superRefine(refineWith(validateTimezone));
const base = { time: TIME, timezone: ZONE };
const DAY_OF_MONTH = 'expected a day of the month from 1 to 28, or "last" (days 29-31 do not exist in every month)';

const ScheduleSchema = z.discriminatedUnion(
  'cadence',
  [
    z.strictObject({ cadence: z.literal('daily'), ...base }),
    z.strictObject({ cadence: z.literal('weekdays'), ...base }),
    z.strictObject({
      cadence: z.literal('weekly'),
      weekday: z
        .number({ error: 'expected the ISO weekday, 1 (Monday) to 7 (Sunday)' })
        .int({ error: 'expected the ISO weekday, 1 (Monday) to 7 (Sunday)' })
        .min(1, { error: 'expected the ISO weekday, 1 (Monday) to 7 (Sunday)' })
        .max(7, { error: 'expected the ISO weekday, 1 (Monday) to 7 (Sunday)' }),
      ...base,
    }),
    z.strictObject({
      cadence: z.literal('monthly'),
      dayOfMonth: z.union([z.literal('last'), z.number().int().min(1).max(28)], { error: DAY_OF_MONTH }),
      ...base,
    }),
  ],
  { error: `expected a schedule with cadence ${SCHEDULE_CADENCES.join(', ')}` },
);

const EMAIL = z
  .string({ error: 'expected an email address' })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: (issue) => `invalid email address ${JSON.stringify(issue.input)}` }));
const DATE = z
  .string({ error: 'expected a date as YYYY-MM-DD' })
  .superRefine(refineWith((v) => validateDate(v, 'the')));
const NAME = z
  .string({ error: 'expected a name' })
  .trim()
  .min(1, { error: 'expected a name of at least one character' })
  .max(MAX_NAME_LENGTH, { error: `expected at most ${MAX_NAME_LENGTH} characters` });

const RecipientsInput = z
  .array(EMAIL, { error: 'expected a list of email addresses' })
  .min(1, { error: 'expected at least one recipient' })
  .max(MAX_RECIPIENTS, { error: `expected at most ${MAX_RECIPIENTS} recipients (the SES limit per message)` });

/** What an admin gives to create a subscription (POST /subscriptions, `cbr subscriptions add`, import). */
export const NewSubscriptionSchema = z.strictObject({
  id: z
    .string({ error: 'expected an id' })
    .regex(SUBSCRIPTION_ID_PATTERN, {
      error: 'expected 1-40 lowercase letters, digits or "-", starting with a letter or digit',
    })
    .optional(),
  name: NAME.optional(),
  schedule: ScheduleSchema,
  locale: z.enum(SUBSCRIPTION_LOCALES, { error: `expected one of ${SUBSCRIPTION_LOCALES.join(', ')}` }),
  recipients: RecipientsInput,
  startDate: DATE.nullish(),
  endDate: DATE.nullish(),
});
export type NewSubscription = z.infer<typeof NewSubscriptionSchema>;

/** What an admin may change (PATCH); `null` clears an optional field. */
export const SubscriptionPatchSchema = z.strictObject({
  name: NAME.nullish(),
  schedule: ScheduleSchema.optional(),
  locale: NewSubscriptionSchema.shape.locale.optional(),
  recipients: RecipientsInput.optional(),
  startDate: DATE.nullish(),
  endDate: DATE.nullish(),
});
export type SubscriptionPatch = z.infer<typeof SubscriptionPatchSchema>;

/** Turns the first zod issue into an error naming the field (an unknown key names itself). */
function firstProblem(error: z.ZodError, prefix = ''): SubscriptionValidationError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return new SubscriptionValidationError(prefix + [...path, issue.keys[0]!].join('.'), 'unknown field');
  }
  if (path.at(-1) === 'dayOfMonth') return new SubscriptionValidationError(prefix + path.join('.'), DAY_OF_MONTH);
  if (issue.code === 'invalid_union' && path.at(-1) === 'schedule') {
    // The discriminated union's own message, not "Invalid input", for a missing or unknown cadence.
    return new SubscriptionValidationError(prefix + [...path, 'cadence'].join('.'), issue.message);
  }
  return new SubscriptionValidationError(prefix + (path.length ? path.join('.') : 'body'), issue.message);
}

function checkRecipients(recipients: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return recipients.map((raw, index) => {
    const email = raw.trim().toLowerCase();
    const first = seen.get(email);
    if (first !== undefined) {
      throw new SubscriptionValidationError(`recipients.${index}`, `duplicate of recipients.${first} (${email})`);
    }
    seen.set(email, index);
    return email;
  });
}

function checkDates(start: string | undefined, end: string | undefined): void {
  if (start && end && end < start) {
    throw new SubscriptionValidationError('endDate', `the last date (${end}) is before the first (${start})`);
  }
}

export function parseNewSubscription(input: unknown): NewSubscription {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SubscriptionValidationError('body', 'expected a JSON object');
  }
  const parsed = NewSubscriptionSchema.safeParse(input);
  if (!parsed.success) throw firstProblem(parsed.error);
  const value = { ...parsed.data, recipients: checkRecipients(parsed.data.recipients) };
  checkDates(value.startDate ?? undefined, value.endDate ?? undefined);
  return value;
}

export function parseSubscriptionPatch(input: unknown): SubscriptionPatch {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SubscriptionValidationError('body', 'expected a JSON object');
  }
  const parsed = SubscriptionPatchSchema.safeParse(input);
  if (!parsed.success) throw firstProblem(parsed.error);
  return parsed.data.recipients ? { ...parsed.data, recipients: checkRecipients(parsed.data.recipients) } : parsed.data;
}

/** Merges a new recipient list into the old one: a kept address keeps its status (an unsubscribe sticks). */
export function mergeRecipients(previous: readonly Recipient[], emails: readonly string[]): Recipient[] {
  const known = new Map(previous.map((r) => [r.email, r]));
  return emails.map((email) => known.get(email) ?? { email, status: 'active' });
}

/** The record after a patch, without the audit fields; endDate before startDate is refused. */
export function applyPatch(record: SubscriptionRecord, patch: SubscriptionPatch): SubscriptionRecord {
  const next: SubscriptionRecord = { ...record };
  const optional = ['name', 'startDate', 'endDate'] as const;
  for (const key of optional) {
    if (patch[key] === null) delete next[key];
    else if (patch[key] !== undefined) next[key] = patch[key];
  }
  if (patch.schedule) next.schedule = patch.schedule;
  if (patch.locale) next.locale = patch.locale;
  if (patch.recipients) next.recipients = mergeRecipients(record.recipients, patch.recipients);
  checkDates(next.startDate, next.endDate);
  return next;
}

/** The recipients a digest goes to now, and the ones it skips (listed in the run record). */
export function activeRecipients(record: Pick<SubscriptionRecord, 'recipients'>): {
  to: string[];
  skipped: { email: string; status: RecipientStatus }[];
} {
  const to: string[] = [];
  const skipped: { email: string; status: RecipientStatus }[] = [];
  for (const r of record.recipients) {
    if (r.status === 'active') to.push(r.email);
    else skipped.push({ email: r.email, status: r.status });
  }
  return { to, skipped };
}

/** A stored record read back (a file, a DynamoDB item): checked, so a corrupt one fails loudly. */
const StoredRecordSchema = z.object({
  tenantId: z.string().superRefine(refineWith(validateTenantId)),
  id: z.string().regex(SUBSCRIPTION_ID_PATTERN),
  name: z.string().optional(),
  schedule: ScheduleSchema,
  locale: z.enum(SUBSCRIPTION_LOCALES),
  recipients: z.array(
    z.object({ email: z.string(), status: z.enum(RECIPIENT_STATUSES), statusChangedAt: z.string().optional() }),
  ),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
  paused: z.boolean(),
  version: z.number().int().min(1),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  nextRunAt: z.string().optional(),
});

export function parseStoredRecord(value: unknown, where: string): SubscriptionRecord {
  const parsed = StoredRecordSchema.safeParse(value);
  if (!parsed.success) throw new Error(`corrupt subscription record ${where}: ${z.prettifyError(parsed.error)}`);
  return parsed.data as SubscriptionRecord;
}

/** A readable id from a name ("Weekly marketing" → `weekly-marketing`), or null when nothing is left. */
export function idFromName(name: string): string | null {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return slug ? slug : null;
}
