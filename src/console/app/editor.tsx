import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiProblem, CADENCES, type Cadence, type Subscription, type SubscriptionInput } from './api.ts';
import { timeZones, zoneLabel } from './format.ts';
import { CONSOLE_LOCALES, type ConsoleLocale } from './i18n.ts';
import { describeError, ErrorBox, Loading, ScreenTitle, useConsole } from './ui.tsx';

/** The form's fields; an API error's `field` (a dotted path such as `schedule.weekday` or `recipients.3`) maps onto one. */
type FieldName =
  | 'id'
  | 'name'
  | 'cadence'
  | 'weekday'
  | 'dayOfMonth'
  | 'time'
  | 'timezone'
  | 'locale'
  | 'recipients'
  | 'startDate'
  | 'endDate';

const FIELD_OF: Record<string, FieldName> = {
  id: 'id',
  name: 'name',
  schedule: 'cadence',
  'schedule.cadence': 'cadence',
  'schedule.weekday': 'weekday',
  'schedule.dayOfMonth': 'dayOfMonth',
  'schedule.time': 'time',
  'schedule.timezone': 'timezone',
  locale: 'locale',
  recipients: 'recipients',
  startDate: 'startDate',
  endDate: 'endDate',
};

export function fieldOf(path: string | undefined): FieldName | undefined {
  if (!path) return undefined;
  if (path.startsWith('recipients')) return 'recipients';
  return FIELD_OF[path];
}

interface Form {
  id: string;
  name: string;
  cadence: Cadence;
  weekday: string;
  dayOfMonth: string;
  time: string;
  timezone: string;
  locale: ConsoleLocale;
  recipients: string;
  startDate: string;
  endDate: string;
}

function formOf(s: Subscription | null, locale: ConsoleLocale, email: string | undefined): Form {
  if (!s) {
    return {
      id: '',
      name: '',
      cadence: 'weekly',
      weekday: '1',
      dayOfMonth: '1',
      time: '08:00',
      timezone: 'America/Sao_Paulo',
      locale,
      recipients: email ?? '',
      startDate: '',
      endDate: '',
    };
  }
  return {
    id: s.id,
    name: s.name ?? '',
    cadence: s.schedule.cadence,
    weekday: String(s.schedule.weekday ?? 1),
    dayOfMonth: String(s.schedule.dayOfMonth ?? 1),
    time: s.schedule.time,
    timezone: s.schedule.timezone,
    locale: s.locale,
    recipients: s.recipients.map((r) => r.email).join('\n'),
    startDate: s.startDate ?? '',
    endDate: s.endDate ?? '',
  };
}

function inputOf(form: Form, creating: boolean): SubscriptionInput {
  const schedule: SubscriptionInput['schedule'] = { cadence: form.cadence, time: form.time, timezone: form.timezone };
  if (form.cadence === 'weekly') schedule.weekday = Number(form.weekday);
  if (form.cadence === 'monthly') schedule.dayOfMonth = form.dayOfMonth === 'last' ? 'last' : Number(form.dayOfMonth);
  const input: SubscriptionInput = {
    schedule,
    locale: form.locale,
    recipients: form.recipients
      .split(/[\n,;]+/)
      .map((r) => r.trim())
      .filter(Boolean),
    name: form.name.trim() || null,
    startDate: form.startDate || null,
    endDate: form.endDate || null,
  };
  if (creating) {
    if (form.id.trim()) input.id = form.id.trim();
    // A new digest has nothing to clear.
    for (const key of ['name', 'startDate', 'endDate'] as const) if (input[key] === null) delete input[key];
  }
  return input;
}

/** Create (`id` undefined) or edit one digest; the API validates, and its errors are shown beside their field. */
export function EditorScreen({ id, navigate }: { id?: string; navigate: (hash: string) => void }) {
  const { t, api, locale, session, canWrite, announce } = useConsole();
  const creating = id === undefined;
  const [original, setOriginal] = useState<Subscription | null>(null);
  const [form, setForm] = useState<Form | null>(creating ? formOf(null, locale, session.email) : null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (creating) return;
    api.subscription(id).then((s) => {
      setOriginal(s);
      setForm(formOf(s, locale, session.email));
    }, setLoadError);
  }, [id]);
  const zones = useMemo(() => timeZones(form?.timezone ?? 'America/Sao_Paulo'), [form?.timezone]);

  if (!canWrite) return <ErrorBox error={new ApiProblem(403, 'forbidden', '')} />;
  if (loadError) return <ErrorBox error={loadError} />;
  if (!form) return <Loading />;

  const set = (key: keyof Form) => (event: Event) =>
    setForm({ ...form, [key]: (event.currentTarget as HTMLInputElement).value });

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      const input = inputOf(form, creating);
      if (creating) await api.createSubscription(input);
      else await api.updateSubscription(original!.id, original!.version, input);
      announce(creating ? t.digests.createdDone : t.digests.savedDone, 'ok', '#/digests');
      navigate('#/digests');
    } catch (error) {
      const field = error instanceof ApiProblem && error.status === 400 ? fieldOf(error.field) : undefined;
      if (field) {
        setErrors({ [field]: error instanceof Error ? error.message : String(error) });
        setFormError(t.editor.fixErrors);
        document.getElementById(`digest-${field}`)?.focus();
      } else {
        setFormError(describeError(t, error));
      }
    } finally {
      setBusy(false);
    }
  };

  /** Label, control and (when the API refused the value) the error beside it, tied together for assistive tech. */
  const field = (
    name: FieldName,
    label: string,
    control: (a11y: Record<string, unknown>) => JSX.Element,
    hint?: string,
  ) => {
    const error = errors[name];
    const describedBy = [hint && `digest-${name}-hint`, error && `digest-${name}-error`].filter(Boolean).join(' ');
    return (
      <div class={`field field-${name}`}>
        <label for={`digest-${name}`}>{label}</label>
        {control({
          id: `digest-${name}`,
          name,
          'aria-invalid': error ? true : undefined,
          'aria-describedby': describedBy || undefined,
        })}
        {hint && (
          <p class="hint" id={`digest-${name}-hint`}>
            {hint}
          </p>
        )}
        {error && (
          <p class="field-error" id={`digest-${name}-error`}>
            {error}
          </p>
        )}
      </div>
    );
  };

  return (
    <section aria-labelledby="screen-title">
      <p>
        <a href="#/digests">← {t.history.back}</a>
      </p>
      <ScreenTitle>{creating ? t.editor.createTitle : t.editor.editTitle}</ScreenTitle>
      <form class="card editor" onSubmit={submit} noValidate>
        {formError && (
          <p class="notice error" role="alert">
            {formError}
          </p>
        )}
        <div class="fields grid">
          {field('name', t.editor.name, (a) => (
            <input {...a} type="text" maxLength={100} value={form.name} onInput={set('name')} />
          ))}
          {creating &&
            field(
              'id',
              t.editor.id,
              (a) => <input {...a} type="text" maxLength={40} value={form.id} onInput={set('id')} />,
              t.editor.idHint,
            )}
          {field(
            'cadence',
            t.editor.cadence,
            (a) => (
              <select {...a} value={form.cadence} onChange={set('cadence')}>
                {CADENCES.map((c) => (
                  <option value={c} key={c}>
                    {t.cadence[c]}
                  </option>
                ))}
              </select>
            ),
            t.editor.periodNote[form.cadence],
          )}
          {form.cadence === 'weekly' &&
            field('weekday', t.editor.weekday, (a) => (
              <select {...a} value={form.weekday} onChange={set('weekday')}>
                {t.weekdays.map((day, i) => (
                  <option value={String(i + 1)} key={day}>
                    {day}
                  </option>
                ))}
              </select>
            ))}
          {form.cadence === 'monthly' &&
            field('dayOfMonth', t.editor.dayOfMonth, (a) => (
              <select {...a} value={form.dayOfMonth} onChange={set('dayOfMonth')}>
                {Array.from({ length: 28 }, (_, i) => String(i + 1)).map((day) => (
                  <option value={day} key={day}>
                    {day}
                  </option>
                ))}
                <option value="last">{t.editor.lastDayOfMonth}</option>
              </select>
            ))}
          {field('time', t.editor.time, (a) => (
            <input {...a} type="time" required value={form.time} onInput={set('time')} />
          ))}
          {field('timezone', t.editor.timezone, (a) => (
            <select {...a} value={form.timezone} onChange={set('timezone')}>
              {zones.map((zone) => (
                <option value={zone} key={zone}>
                  {zoneLabel(zone)}
                </option>
              ))}
            </select>
          ))}
          {field('locale', t.editor.locale, (a) => (
            <select {...a} value={form.locale} onChange={set('locale')}>
              {CONSOLE_LOCALES.map((l) => (
                <option value={l} key={l}>
                  {t.localeNames[l]}
                </option>
              ))}
            </select>
          ))}
          {field(
            'recipients',
            t.editor.recipients,
            (a) => (
              <textarea {...a} rows={4} value={form.recipients} onInput={set('recipients')} />
            ),
            t.editor.recipientsHint,
          )}
          {field('startDate', t.editor.startDate, (a) => (
            <input {...a} type="date" value={form.startDate} onInput={set('startDate')} />
          ))}
          {field('endDate', t.editor.endDate, (a) => (
            <input {...a} type="date" value={form.endDate} onInput={set('endDate')} />
          ))}
        </div>
        <div class="buttons">
          <a class="button secondary" href="#/digests">
            {t.cancel}
          </a>
          <button type="submit" disabled={busy}>
            {creating ? t.editor.create : t.editor.save}
          </button>
        </div>
      </form>
    </section>
  );
}
