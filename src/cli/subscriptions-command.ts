import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { InputError } from '../core/errors.ts';
import { validateTenantId } from '../core/report-request.ts';
import {
  createSubscription,
  deleteSubscription,
  setPaused,
  updateSubscription,
  type ChangeContext,
} from '../core/subscriptions/manage.ts';
import type { Schedule } from '../core/subscriptions/schedule.ts';
import {
  applyPatch,
  parseNewSubscription,
  parseSubscriptionPatch,
  SubscriptionValidationError,
  type SubscriptionRecord,
} from '../core/subscriptions/subscription.ts';
import {
  SubscriptionExistsError,
  SubscriptionNotFoundError,
  VersionConflictError,
  type SubscriptionStore,
} from '../core/subscriptions/subscription-store.port.ts';
import { FolderReportStore } from '../local/folder-report-store.ts';
import { ObjectSubscriptionStore } from '../local/object-subscription-store.ts';

/** The local store lives in the archive folder (the local reports bucket), under `subscriptions/`. */
export function localSubscriptionStore(archiveDir: string): SubscriptionStore {
  return new ObjectSubscriptionStore(new FolderReportStore({ root: archiveDir }));
}

const cliActor = () => `cli:${userInfo().username}`;

const wholeNumber = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};

/** Store errors become the CLI's input errors (exit 2), with the message an admin can act on. */
async function asInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      error instanceof VersionConflictError ||
      error instanceof SubscriptionExistsError ||
      error instanceof SubscriptionNotFoundError
    ) {
      throw new InputError(error.message);
    }
    throw error;
  }
}

interface ScheduleFlags {
  cadence?: string;
  weekday?: number;
  day?: string;
  time?: string;
  timezone?: string;
}

/** `--cadence weekly --weekday 3 --time 08:00 --timezone America/Sao_Paulo` as a schedule object (validated later). */
function scheduleFrom(flags: ScheduleFlags, base?: Schedule): Record<string, unknown> | undefined {
  if (!flags.cadence && !flags.weekday && !flags.day && !flags.time && !flags.timezone) return undefined;
  const cadence = flags.cadence ?? base?.cadence;
  const schedule: Record<string, unknown> = {
    cadence,
    time: flags.time ?? base?.time,
    timezone: flags.timezone ?? base?.timezone,
  };
  if (cadence === 'weekly') schedule.weekday = flags.weekday ?? (base?.cadence === 'weekly' ? base.weekday : undefined);
  if (cadence === 'monthly') {
    const day = flags.day ?? (base?.cadence === 'monthly' ? String(base.dayOfMonth) : undefined);
    schedule.dayOfMonth = day === 'last' || day === undefined ? day : /^\d+$/.test(day) ? Number(day) : day;
  }
  return schedule;
}

const emails = (value: string) => value.split(',').map((a) => a.trim());

function withScheduleFlags(command: Command): Command {
  return command
    .option('--cadence <cadence>', 'daily | weekdays (Monday–Friday) | weekly | monthly')
    .option('--weekday <n>', 'weekly: ISO weekday, 1 (Monday) to 7 (Sunday)', wholeNumber)
    .option('--day <day>', 'monthly: day of the month 1–28, or "last"')
    .option('--time <HH:MM>', 'local send time')
    .option('--timezone <zone>', 'IANA time zone, e.g. America/Sao_Paulo')
    .option('--locale <locale>', 'pt-BR | en')
    .option('--to <addresses>', 'recipients, comma-separated (at most 50)', emails)
    .option('--name <name>', 'a name for admins to recognise it')
    .option('--from-date <date>', 'first local date it may send (YYYY-MM-DD)')
    .option('--until <date>', 'last local date it may send (YYYY-MM-DD)');
}

/** One entry of an import file: the tenant it belongs to plus what POST /subscriptions takes. */
const ImportEntry = z.looseObject({ tenantId: z.string({ error: 'expected the tenant id' }) });

interface ImportOutcome {
  tenantId: string;
  id: string;
  result: 'created' | 'updated' | 'unchanged';
  version: number;
}

/**
 * Loads a list of subscriptions: every entry is validated before anything is written, so a bad file
 * changes nothing. An entry whose id exists is brought to the file's content (a new version) unless
 * it already matches; recipients who unsubscribed or were suppressed keep that status.
 */
export async function importSubscriptions(
  store: SubscriptionStore,
  input: unknown,
  actor: string,
  now: Date,
): Promise<ImportOutcome[]> {
  if (!Array.isArray(input)) throw new InputError('the import file must hold a JSON array of subscriptions');
  const entries = input.map((raw, index) => {
    const label = `[${index}]${typeof raw?.id === 'string' ? ` (${raw.id})` : ''}`;
    const entry = ImportEntry.safeParse(raw);
    if (!entry.success) throw new InputError(`${label}.tenantId: ${entry.error.issues[0]!.message}`);
    const { tenantId, ...body } = entry.data;
    try {
      validateTenantId(tenantId);
      const parsed = parseNewSubscription(body);
      if (!parsed.id) throw new SubscriptionValidationError('id', 'an imported subscription needs an id');
      return { tenantId, id: parsed.id, body };
    } catch (error) {
      if (error instanceof SubscriptionValidationError)
        throw new InputError(`${label}.${error.field}: ${error.problem}`);
      if (error instanceof InputError) throw new InputError(`${label}.tenantId: ${error.message}`);
      throw error;
    }
  });
  const seen = new Set<string>();
  for (const [index, e] of entries.entries()) {
    const key = `${e.tenantId}/${e.id}`;
    if (seen.has(key))
      throw new InputError(`[${index}] (${e.id}).id: duplicate of an earlier entry of tenant ${e.tenantId}`);
    seen.add(key);
  }

  const outcomes: ImportOutcome[] = [];
  for (const { tenantId, id, body } of entries) {
    const ctx: ChangeContext = { tenantId, actor, now };
    const current = await store.get(tenantId, id);
    if (!current) {
      const created = await createSubscription(store, body, ctx);
      outcomes.push({ tenantId, id, result: 'created', version: created.version });
      continue;
    }
    const { id: _id, ...patch } = body;
    if (sameContent(current, applyPatch(current, parseSubscriptionPatch(patch)))) {
      outcomes.push({ tenantId, id, result: 'unchanged', version: current.version });
      continue;
    }
    const updated = await updateSubscription(store, id, current.version, patch, ctx);
    outcomes.push({ tenantId, id, result: 'updated', version: updated.version });
  }
  return outcomes;
}

function sameContent(a: SubscriptionRecord, b: SubscriptionRecord): boolean {
  const content = (r: SubscriptionRecord) =>
    JSON.stringify([r.name, r.schedule, r.locale, r.recipients, r.startDate, r.endDate]);
  return content(a) === content(b);
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** `cbr subscriptions list|show|add|edit|pause|resume|remove|import`. */
export function subscriptionsCommand(defaultArchive: string): Command {
  const command = new Command('subscriptions').description(
    'manage the tenants’ digests in the local store (the archive folder), as the API does',
  );
  const archiveOption = ['--archive <dir>', 'archive folder that holds the store', defaultArchive] as const;
  const store = (opts: { archive: string }) => localSubscriptionStore(opts.archive);
  const ctx = (tenant: string): ChangeContext => ({
    tenantId: validateTenantId(tenant),
    actor: cliActor(),
    now: new Date(),
  });

  command
    .command('list')
    .description('one line per subscription: tenant, id, schedule, next send, recipients')
    .option('--tenant <id>', 'only this tenant')
    .option(...archiveOption)
    .action(async (opts) => {
      const tenant = opts.tenant ? validateTenantId(opts.tenant) : undefined;
      for await (const s of store(opts).scan()) {
        if (tenant && s.tenantId !== tenant) continue;
        const active = s.recipients.filter((r) => r.status === 'active').length;
        process.stdout.write(
          `${s.tenantId}\t${s.id}\tv${s.version}\t${describeSchedule(s.schedule)}\t${s.paused ? 'paused' : (s.nextRunAt ?? 'no next send')}\t${active}/${s.recipients.length} recipients\n`,
        );
      }
    });

  command
    .command('show <id>')
    .description('the whole record as JSON')
    .requiredOption('--tenant <id>', 'the tenant it belongs to')
    .option(...archiveOption)
    .action(async (id: string, opts) => {
      const record = await store(opts).get(validateTenantId(opts.tenant), id);
      if (!record) throw new InputError(`no subscription ${id} in tenant ${opts.tenant}`);
      print(record);
    });

  withScheduleFlags(
    command
      .command('add')
      .description('create a subscription from flags or from a JSON file (the body of POST /subscriptions)')
      .requiredOption('--tenant <id>', 'the tenant it belongs to')
      .option('--id <id>', 'its id (default: from the name)')
      .option('--file <json>', 'read the subscription from this file instead of flags'),
  )
    .option(...archiveOption)
    .action(async (opts) => {
      const body = opts.file
        ? await readJson(opts.file)
        : {
            ...(opts.id && { id: opts.id }),
            ...(opts.name && { name: opts.name }),
            schedule: scheduleFrom(opts),
            locale: opts.locale,
            recipients: opts.to,
            ...(opts.fromDate && { startDate: opts.fromDate }),
            ...(opts.until && { endDate: opts.until }),
          };
      print(await asInput(() => createSubscription(store(opts), body, ctx(opts.tenant))));
    });

  withScheduleFlags(
    command
      .command('edit <id>')
      .description('change a subscription; --version must be the one you looked at (cbr subscriptions show)')
      .requiredOption('--tenant <id>', 'the tenant it belongs to')
      .requiredOption('--version <n>', 'the version being changed', wholeNumber),
  )
    .option(...archiveOption)
    .action(async (id: string, opts) => {
      const s = store(opts);
      const current = await s.get(validateTenantId(opts.tenant), id);
      if (!current) throw new InputError(`no subscription ${id} in tenant ${opts.tenant}`);
      const schedule = scheduleFrom(opts, current.schedule);
      const patch = {
        ...(opts.name !== undefined && { name: opts.name }),
        ...(schedule && { schedule }),
        ...(opts.locale && { locale: opts.locale }),
        ...(opts.to && { recipients: opts.to }),
        ...(opts.fromDate && { startDate: opts.fromDate }),
        ...(opts.until && { endDate: opts.until }),
      };
      print(await asInput(() => updateSubscription(s, id, opts.version, patch, ctx(opts.tenant))));
    });

  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    command
      .command(`${name} <id>`)
      .description(paused ? 'stop sending until resumed' : 'send again from the next due time')
      .requiredOption('--tenant <id>', 'the tenant it belongs to')
      .option(...archiveOption)
      .action(async (id: string, opts) => {
        print(await asInput(() => setPaused(store(opts), id, paused, ctx(opts.tenant))));
      });
  }

  command
    .command('remove <id>')
    .description('delete a subscription (its run history and reports stay)')
    .requiredOption('--tenant <id>', 'the tenant it belongs to')
    .requiredOption('--version <n>', 'the version being deleted', wholeNumber)
    .option(...archiveOption)
    .action(async (id: string, opts) => {
      await asInput(() => deleteSubscription(store(opts), id, opts.version, ctx(opts.tenant)));
      process.stderr.write(`removed ${opts.tenant}/${id}\n`);
    });

  command
    .command('import <file>')
    .description('load a JSON array of subscriptions, each with its tenantId (e.g. examples/subscriptions.json)')
    .option(...archiveOption)
    .action(async (file: string, opts) => {
      print(await asInput(async () => importSubscriptions(store(opts), await readJson(file), 'import', new Date())));
    });

  return command;
}

export function describeSchedule(s: Schedule): string {
  const at = `${s.time} ${s.timezone}`;
  switch (s.cadence) {
    case 'daily':
      return `daily ${at}`;
    case 'weekdays':
      return `Monday–Friday ${at}`;
    case 'weekly':
      return `weekly on ${['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][s.weekday - 1]} ${at}`;
    case 'monthly':
      return `monthly on ${s.dayOfMonth === 'last' ? 'the last day' : `day ${s.dayOfMonth}`} ${at}`;
  }
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}
