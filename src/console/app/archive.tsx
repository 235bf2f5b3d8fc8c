import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ArchivedReport, Page, ReportStatus } from './api.ts';
import { formatInstant, formatPeriod, lastWeek } from './format.ts';
import { CONSOLE_LOCALES, type ConsoleLocale } from './i18n.ts';
import { describeError, ErrorBox, Loading, ScreenTitle, useConsole } from './ui.tsx';

/** How often a requested report is asked about while it is generated. */
const POLL_MS = 1000;

export function ArchiveScreen() {
  const { t, api } = useConsole();
  // Cursors of the pages before this one, so "previous" goes back without the API keeping state.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page<ArchivedReport> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1] ?? null;

  const load = useCallback(() => {
    setError(null);
    api.reports(cursor).then(setPage, setError);
  }, [api, cursor]);
  useEffect(load, [load]);

  return (
    <section aria-labelledby="screen-title">
      <ScreenTitle>{t.archive.title}</ScreenTitle>
      <p class="muted">{t.archive.intro}</p>
      <RequestReport
        onReady={() => {
          setCursors([null]);
          if (cursors.length === 1) load();
        }}
      />
      {error ? (
        <ErrorBox error={error} onRetry={load} />
      ) : !page ? (
        <Loading />
      ) : page.items.length === 0 ? (
        <p class="empty">{t.archive.empty}</p>
      ) : (
        <ReportList items={page.items} />
      )}
      {page && (cursors.length > 1 || page.nextCursor) && (
        <nav class="pager" aria-label={t.archive.title}>
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
            disabled={!page.nextCursor}
            onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}
          >
            {t.nextPage}
          </button>
        </nav>
      )}
    </section>
  );
}

function ReportList({ items }: { items: ArchivedReport[] }) {
  const { t, locale } = useConsole();
  return (
    <ul class="cards reports" aria-label={t.archive.title}>
      {items.map((report) => {
        const period = formatPeriod(locale, report.period);
        return (
          <li class="card report" key={report.id} data-report-id={report.id}>
            <div class="report-main">
              <h2 class="report-period">{period}</h2>
              <p class="muted">
                <span class={`tag kind-${report.kind}`}>{t.archive.kinds[report.kind]}</span> {t.archive.created}:{' '}
                {formatInstant(locale, report.createdAt)}
              </p>
            </div>
            <ReportActions link={report.links.report} expiresAt={report.linkExpiresAt} period={period} />
          </li>
        );
      })}
    </ul>
  );
}

/** Open (the signed link, in a new tab) and copy the link, with when it stops working. */
export function ReportActions(props: { link: string; expiresAt: string | undefined; period: string }) {
  const { t, locale, announce } = useConsole();
  const [manualCopy, setManualCopy] = useState(false);
  const expiry = props.expiresAt ? formatInstant(locale, props.expiresAt) : undefined;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.link);
      announce(expiry ? t.archive.copied(expiry) : t.archive.copied('—'));
    } catch {
      setManualCopy(true);
    }
  };
  return (
    <div class="report-actions">
      <div class="buttons">
        <a
          class="button"
          href={props.link}
          target="_blank"
          rel="noopener"
          aria-label={t.archive.openLabel(props.period)}
        >
          {t.archive.open}
        </a>
        <button type="button" class="secondary" onClick={copy} aria-label={t.archive.copyLabel(props.period)}>
          {t.archive.copy}
        </button>
      </div>
      {expiry && <p class="small muted">{t.archive.linkExpires(expiry)}</p>}
      {manualCopy && (
        <label class="small">
          {t.archive.copyFailed}
          <input type="text" readOnly value={props.link} onFocus={(e) => e.currentTarget.select()} />
        </label>
      )}
    </div>
  );
}

/** The on-demand form: POST /reports, then GET /reports/{id} until it is done or failed. */
function RequestReport({ onReady }: { onReady: () => void }) {
  const { t, api, locale } = useConsole();
  const initial = lastWeek();
  const [from, setFrom] = useState(initial.start);
  const [to, setTo] = useState(initial.end);
  const [reportLocale, setReportLocale] = useState<ConsoleLocale>(locale);
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<{ field: string; message: string } | null>(null);
  const [status, setStatus] = useState<{ tone: 'ok' | 'error' | 'pending'; text: string } | null>(null);
  const [ready, setReady] = useState<ReportStatus | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFieldError(null);
    setReady(null);
    try {
      const { id } = await api.requestReport({ from, to, locale: reportLocale });
      setStatus({ tone: 'pending', text: t.archive.requested });
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (!alive.current) return;
        const report = await api.report(id);
        if (report.status === 'done') {
          setStatus({ tone: 'ok', text: t.archive.ready });
          setReady(report);
          onReady();
          break;
        }
        if (report.status === 'failed') {
          setStatus({ tone: 'error', text: t.archive.failed(report.error ?? '') });
          break;
        }
      }
    } catch (error) {
      const field = (error as { field?: string }).field;
      if (field === 'from' || field === 'to') setFieldError({ field, message: (error as Error).message });
      else setStatus({ tone: 'error', text: describeError(t, error) });
    } finally {
      if (alive.current) setBusy(false);
    }
  };

  const invalid = (name: string) => fieldError?.field === name;
  return (
    <form class="card request" onSubmit={submit} aria-labelledby="request-title" noValidate>
      <h2 id="request-title">{t.archive.requestTitle}</h2>
      <p class="muted">{t.archive.requestIntro}</p>
      <div class="fields row">
        <div class="field">
          <label for="request-from">{t.archive.from}</label>
          <input
            id="request-from"
            type="date"
            required
            value={from}
            onInput={(e) => setFrom(e.currentTarget.value)}
            aria-invalid={invalid('from')}
            aria-describedby={invalid('from') ? 'request-from-error' : undefined}
          />
          {invalid('from') && (
            <p class="field-error" id="request-from-error">
              {fieldError!.message}
            </p>
          )}
        </div>
        <div class="field">
          <label for="request-to">{t.archive.to}</label>
          <input
            id="request-to"
            type="date"
            required
            value={to}
            onInput={(e) => setTo(e.currentTarget.value)}
            aria-invalid={invalid('to')}
            aria-describedby={invalid('to') ? 'request-to-error' : undefined}
          />
          {invalid('to') && (
            <p class="field-error" id="request-to-error">
              {fieldError!.message}
            </p>
          )}
        </div>
        <div class="field">
          <label for="request-locale">{t.archive.reportLanguage}</label>
          <select
            id="request-locale"
            value={reportLocale}
            onChange={(e) => setReportLocale(e.currentTarget.value as ConsoleLocale)}
          >
            {CONSOLE_LOCALES.map((l) => (
              <option value={l} key={l}>
                {t.localeNames[l]}
              </option>
            ))}
          </select>
        </div>
        <div class="field submit">
          <button type="submit" disabled={busy}>
            {t.archive.request}
          </button>
        </div>
      </div>
      <div role="status" class="request-status">
        {status && <p class={`notice ${status.tone}`}>{status.text}</p>}
        {ready?.links.report && (
          <ReportActions
            link={ready.links.report}
            expiresAt={ready.linkExpiresAt}
            period={formatPeriod(locale, ready.period)}
          />
        )}
      </div>
    </form>
  );
}
