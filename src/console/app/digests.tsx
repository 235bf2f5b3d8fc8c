import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Run, Schedule, Subscription } from './api.ts';
import { formatInstant, formatPeriod, zoneLabel } from './format.ts';
import type { Messages } from './i18n.ts';
import { Confirm, describeError, ErrorBox, Loading, ScreenTitle, useConsole } from './ui.tsx';

export function scheduleText(t: Messages, schedule: Schedule): string {
  const zone = zoneLabel(schedule.timezone);
  switch (schedule.cadence) {
    case 'daily':
      return t.scheduleText.daily(schedule.time, zone);
    case 'weekdays':
      return t.scheduleText.weekdays(schedule.time, zone);
    case 'weekly':
      return t.scheduleText.weekly(t.weekdays[(schedule.weekday ?? 1) - 1]!, schedule.time, zone);
    case 'monthly':
      return t.scheduleText.monthly(
        schedule.dayOfMonth === 'last' ? t.scheduleText.lastDay : String(schedule.dayOfMonth ?? 1),
        schedule.time,
        zone,
      );
  }
}

export const digestName = (t: Messages, s: Subscription) => s.name || s.id || t.digests.unnamed;

export function DigestsScreen({ navigate }: { navigate: (hash: string) => void }) {
  const { t, api, canWrite } = useConsole();
  const [items, setItems] = useState<Subscription[] | null>(null);
  const [lastRuns, setLastRuns] = useState<Record<string, Run | null>>({});
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const all: Subscription[] = [];
      let cursor: string | null = null;
      do {
        const page = await api.subscriptions(cursor);
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      setItems(all);
      const runs = await Promise.all(
        all.map((s) => api.runs(s.id, 1).then((page) => [s.id, page.items[0] ?? null] as const)),
      );
      setLastRuns(Object.fromEntries(runs));
    } catch (e) {
      setError(e);
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  const replace = (updated: Subscription) =>
    setItems((current) => current?.map((s) => (s.id === updated.id ? updated : s)) ?? null);
  const remove = (id: string) => setItems((current) => current?.filter((s) => s.id !== id) ?? null);

  return (
    <section aria-labelledby="screen-title">
      <div class="screen-head">
        <div>
          <ScreenTitle>{t.digests.title}</ScreenTitle>
          <p class="muted">{t.digests.intro}</p>
        </div>
        {canWrite && (
          <a class="button" href="#/digests/new">
            {t.digests.create}
          </a>
        )}
      </div>
      {!canWrite && <p class="notice info">{t.readOnly}</p>}
      {error ? (
        <ErrorBox error={error} onRetry={load} />
      ) : !items ? (
        <Loading />
      ) : items.length === 0 ? (
        <p class="empty">{t.digests.empty}</p>
      ) : (
        <ul class="cards digests" aria-label={t.digests.title}>
          {items.map((s) => (
            <DigestCard
              key={s.id}
              subscription={s}
              lastRun={lastRuns[s.id]}
              onChanged={replace}
              onDeleted={remove}
              navigate={navigate}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function DigestCard(props: {
  subscription: Subscription;
  lastRun: Run | null | undefined;
  onChanged: (s: Subscription) => void;
  onDeleted: (id: string) => void;
  navigate: (hash: string) => void;
}) {
  const { t, api, locale, canWrite, announce, session } = useConsole();
  const s = props.subscription;
  const name = digestName(t, s);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      announce(await work(), 'ok');
    } catch (error) {
      announce(describeError(t, error), 'error');
    } finally {
      setBusy(false);
    }
  };
  const pauseOrResume = () =>
    act(async () => {
      const updated = s.paused ? await api.resume(s.id) : await api.pause(s.id);
      props.onChanged(updated);
      return updated.paused ? t.digests.pausedDone : t.digests.resumedDone;
    });
  const test = () =>
    act(async () => {
      if (!session.email) return t.digests.testNoEmail;
      await api.test(s.id);
      return t.digests.testQueued(session.email);
    });
  const run = () =>
    act(async () => {
      const started = await api.run(s.id);
      return t.digests.runQueued(formatPeriod(locale, started.period));
    });
  const remove = () => {
    setConfirming(false);
    return act(async () => {
      await api.deleteSubscription(s.id, s.version);
      props.onDeleted(s.id);
      return t.digests.deletedDone;
    });
  };

  return (
    <li class="card digest" data-subscription-id={s.id} aria-labelledby={`digest-${s.id}`}>
      <div class="digest-head">
        <h2 id={`digest-${s.id}`}>{name}</h2>
        <span class={`tag ${s.paused ? 'paused' : 'active'}`}>{s.paused ? t.digests.paused : t.digests.active}</span>
      </div>
      <dl class="facts">
        <div>
          <dt>{t.digests.schedule}</dt>
          <dd class="schedule">{scheduleText(t, s.schedule)}</dd>
        </div>
        <div>
          <dt>{t.digests.nextSend}</dt>
          <dd class="next-send">
            {s.nextRunAt ? (
              <time dateTime={s.nextRunAt}>
                {formatInstant(locale, s.nextRunAt, s.schedule.timezone)} ({zoneLabel(s.schedule.timezone)})
              </time>
            ) : (
              t.digests.noNextSend
            )}
          </dd>
        </div>
        <div>
          <dt>{t.digests.lastRun}</dt>
          <dd class="last-run">
            {props.lastRun === undefined ? (
              '…'
            ) : props.lastRun === null ? (
              t.digests.neverRun
            ) : (
              <>
                <span class={`tag run-${props.lastRun.status}`}>{t.history.statuses[props.lastRun.status]}</span>{' '}
                {formatPeriod(locale, props.lastRun.period)}
              </>
            )}
          </dd>
        </div>
        <div class="wide">
          <dt>{t.digests.recipients}</dt>
          <dd>
            <ul class="recipients">
              {s.recipients.map((r) => (
                <li key={r.email} class={`recipient ${r.status}`}>
                  <span class="email">{r.email}</span>
                  {r.status !== 'active' && <span class="tag warn">{t.digests.recipientStatus[r.status]}</span>}
                </li>
              ))}
            </ul>
          </dd>
        </div>
      </dl>
      <div class="buttons" role="group" aria-label={t.digests.actionsFor(name)}>
        <a class="button secondary" href={`#/digests/${encodeURIComponent(s.id)}/history`}>
          {t.digests.history}
        </a>
        <button type="button" class="secondary" disabled={busy} onClick={test}>
          {t.digests.test}
        </button>
        {canWrite && (
          <>
            <a class="button secondary" href={`#/digests/${encodeURIComponent(s.id)}/edit`}>
              {t.digests.edit}
            </a>
            <button type="button" class="secondary" disabled={busy} onClick={pauseOrResume}>
              {s.paused ? t.digests.resume : t.digests.pause}
            </button>
            <button type="button" class="secondary" disabled={busy || s.paused} onClick={run}>
              {t.digests.run}
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
              {t.digests.delete}
            </button>
          </>
        )}
      </div>
      {confirming && (
        <Confirm
          title={t.digests.confirmDeleteTitle}
          message={t.digests.confirmDelete(name)}
          confirmLabel={t.digests.confirmDeleteButton}
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        />
      )}
    </li>
  );
}

export function HistoryScreen({ id }: { id: string }) {
  const { t, api, locale } = useConsole();
  const [subscription, setSubscription] = useState<Subscription | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [runs, setRuns] = useState<{ items: Run[]; nextCursor: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1] ?? null;

  const load = useCallback(() => {
    setError(null);
    api.subscription(id).then(setSubscription, () => setSubscription(null));
    api.runs(id, 20, cursor).then(setRuns, setError);
  }, [api, id, cursor]);
  useEffect(load, [load]);

  const zone = subscription?.schedule.timezone;
  const name = subscription ? digestName(t, subscription) : id;
  return (
    <section aria-labelledby="screen-title">
      <p>
        <a href="#/digests">← {t.history.back}</a>
      </p>
      <ScreenTitle>{t.history.title(name)}</ScreenTitle>
      <p class="muted">{t.history.intro}</p>
      {error ? (
        <ErrorBox error={error} onRetry={load} />
      ) : !runs ? (
        <Loading />
      ) : runs.items.length === 0 ? (
        <p class="empty">{t.history.empty}</p>
      ) : (
        <ul class="cards runs" aria-label={t.history.title(name)}>
          {runs.items.map((run) => (
            <li class={`card run ${run.status}`} key={`${run.period.start}-${run.startedAt ?? run.scheduledAt}`}>
              <div class="digest-head">
                <h2>{formatPeriod(locale, run.period)}</h2>
                <span class={`tag run-${run.status}`}>{t.history.statuses[run.status]}</span>
              </div>
              <dl class="facts">
                <div>
                  <dt>{t.history.sentAt}</dt>
                  <dd>
                    {(run.finishedAt ?? run.startedAt)
                      ? `${formatInstant(locale, (run.finishedAt ?? run.startedAt)!, zone)}${zone ? ` (${zoneLabel(zone)})` : ''}`
                      : '—'}
                  </dd>
                </div>
                {run.trigger && (
                  <div>
                    <dt>{t.history.trigger}</dt>
                    <dd>{t.history.triggers[run.trigger]}</dd>
                  </div>
                )}
                <div class="wide">
                  <dt>{t.history.recipients}</dt>
                  <dd>
                    {run.recipients?.length ? run.recipients.join(', ') : '—'}
                    {run.skippedRecipients?.length ? (
                      <p class="small muted">
                        {t.history.skipped(
                          run.skippedRecipients
                            .map((r) => `${r.email} (${t.digests.recipientStatus[r.status]})`)
                            .join(', '),
                        )}
                      </p>
                    ) : null}
                  </dd>
                </div>
              </dl>
              {(run.status === 'duplicate' || run.status === 'skipped') && (
                <p class="notice info">{t.history.statusHelp[run.status]}</p>
              )}
              {run.status === 'failed' && (
                <div class="notice error">
                  <p>{run.errorKind ? t.history.errorKinds[run.errorKind] : t.errors.generic(run.error ?? '')}</p>
                  {run.error && (
                    <details>
                      <summary>{t.history.details}</summary>
                      <p class="small">{run.error}</p>
                    </details>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {runs && (cursors.length > 1 || runs.nextCursor) && (
        <nav class="pager" aria-label={t.history.title(name)}>
          <button
            type="button"
            class="secondary"
            disabled={cursors.length === 1}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            {t.previousPage}
          </button>
          <button
            type="button"
            class="secondary"
            disabled={!runs.nextCursor}
            onClick={() => runs.nextCursor && setCursors([...cursors, runs.nextCursor])}
          >
            {t.nextPage}
          </button>
        </nav>
      )}
    </section>
  );
}
