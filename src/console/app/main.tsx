import { render, type JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { CONFIG_ELEMENT_ID, type ConsoleAuth, type ConsoleConfig } from '../config.ts';
import { Api } from './api.ts';
import { ArchiveScreen } from './archive.tsx';
import { DigestsScreen, HistoryScreen } from './digests.tsx';
import { EditorScreen } from './editor.tsx';
import { CONSOLE_LOCALES, initialLocale, MESSAGES, saveLocale, type ConsoleLocale, type Messages } from './i18n.ts';
import {
  finishHostedSignIn,
  isHostedCallback,
  loadSession,
  localSignIn,
  SignInError,
  signOut,
  startHostedSignIn,
  type Session,
} from './session.ts';
import { Context, type ConsoleContext } from './ui.tsx';
import './styles.css';

type Route =
  | { screen: 'digests' }
  | { screen: 'new' }
  | { screen: 'edit'; id: string }
  | { screen: 'history'; id: string }
  | { screen: 'archive' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'archive') return { screen: 'archive' };
  if (parts[0] === 'digests' && parts[1] === 'new') return { screen: 'new' };
  if (parts[0] === 'digests' && parts[1] && parts[2] === 'edit') return { screen: 'edit', id: parts[1] };
  if (parts[0] === 'digests' && parts[1] && parts[2] === 'history') return { screen: 'history', id: parts[1] };
  return { screen: 'digests' };
}

const sameScreen = (a: string, b: string) => JSON.stringify(parseRoute(a)) === JSON.stringify(parseRoute(b));

function useHashRoute(): [Route, (hash: string) => void] {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return [parseRoute(hash), (next) => (window.location.hash = next)];
}

function readConfig(): ConsoleConfig {
  const element = document.getElementById(CONFIG_ELEMENT_ID);
  return JSON.parse(element?.textContent ?? '{"auth":{"mode":"local"}}') as ConsoleConfig;
}

function App({ config }: { config: ConsoleConfig }) {
  const [locale, setLocale] = useState<ConsoleLocale>(initialLocale);
  const t = MESSAGES[locale];
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [callbackError, setCallbackError] = useState<string | null>(null);
  const [finishing, setFinishing] = useState(() => config.auth.mode === 'cognito' && isHostedCallback());

  useEffect(() => saveLocale(locale), [locale]);
  useEffect(() => {
    const auth = config.auth;
    if (!finishing || auth.mode !== 'cognito') return;
    finishHostedSignIn(auth)
      .then(setSession, () => setCallbackError(t.signIn.failed))
      .finally(() => setFinishing(false));
  }, []);

  const languageSwitch = <LanguageSwitch t={t} locale={locale} onChange={setLocale} />;
  if (!session) {
    return (
      <div class="signed-out">
        <header class="bar">
          <span class="brand">{t.product}</span>
          {languageSwitch}
        </header>
        <main id="main">
          {finishing ? (
            <p role="status">{t.signIn.finishing}</p>
          ) : (
            <SignIn t={t} auth={config.auth} error={callbackError} onSignedIn={setSession} />
          )}
        </main>
      </div>
    );
  }
  return (
    <SignedIn
      t={t}
      locale={locale}
      session={session}
      auth={config.auth}
      languageSwitch={languageSwitch}
      onSignedOut={() => setSession(null)}
    />
  );
}

function LanguageSwitch(props: { t: Messages; locale: ConsoleLocale; onChange: (l: ConsoleLocale) => void }) {
  return (
    <div class="language">
      <label for="language-select">{props.t.language}</label>
      <select
        id="language-select"
        value={props.locale}
        onChange={(e) => props.onChange(e.currentTarget.value as ConsoleLocale)}
      >
        {CONSOLE_LOCALES.map((l) => (
          <option value={l} key={l} lang={l}>
            {props.t.localeNames[l]}
          </option>
        ))}
      </select>
    </div>
  );
}

function SignIn(props: {
  t: Messages;
  auth: ConsoleAuth;
  error: string | null;
  onSignedIn: (session: Session) => void;
}) {
  const { t, auth } = props;
  const [tenantId, setTenantId] = useState('');
  const [profile, setProfile] = useState('ADMIN');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<{ message: string; field?: string } | null>(
    props.error ? { message: props.error } : null,
  );
  const [busy, setBusy] = useState(false);

  if (auth.mode === 'cognito') {
    return (
      <section class="card sign-in" aria-labelledby="screen-title">
        <h1 id="screen-title">{t.signIn.title}</h1>
        <p>{t.signIn.intro}</p>
        {error && (
          <p class="notice error" role="alert">
            {error.message}
          </p>
        )}
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void startHostedSignIn(auth);
          }}
        >
          {busy ? t.signIn.redirecting : t.signIn.withAccount}
        </button>
      </section>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await localSignIn({ tenantId: tenantId.trim(), profile, email: email.trim() }));
    } catch (e) {
      setError({
        message: e instanceof SignInError ? e.message : t.errors.network,
        ...(e instanceof SignInError && e.field && { field: e.field }),
      });
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (name: string) =>
    error?.field === name ? (
      <p class="field-error" id={`signin-${name}-error`}>
        {error.message}
      </p>
    ) : null;
  return (
    <form class="card sign-in local" onSubmit={submit} aria-labelledby="screen-title" noValidate>
      <p class="badge-local">{t.signIn.localBadge}</p>
      <h1 id="screen-title">{t.signIn.localTitle}</h1>
      <p class="muted">{t.signIn.localNote}</p>
      {error && !error.field && (
        <p class="notice error" role="alert">
          {error.message}
        </p>
      )}
      <div class="field">
        <label for="signin-tenant">{t.signIn.tenant}</label>
        <input
          id="signin-tenant"
          name="tenant"
          autocomplete="organization"
          required
          value={tenantId}
          placeholder={t.signIn.tenantHint}
          onInput={(e) => setTenantId(e.currentTarget.value)}
          aria-invalid={error?.field === 'tenantId' || undefined}
          aria-describedby={error?.field === 'tenantId' ? 'signin-tenantId-error' : undefined}
        />
        {fieldError('tenantId')}
      </div>
      <div class="field">
        <label for="signin-profile">{t.signIn.profile}</label>
        <select id="signin-profile" name="profile" value={profile} onChange={(e) => setProfile(e.currentTarget.value)}>
          <option value="ADMIN">ADMIN</option>
          <option value="OPERATOR">OPERATOR</option>
        </select>
      </div>
      <div class="field">
        <label for="signin-email">{t.signIn.email}</label>
        <input
          id="signin-email"
          name="email"
          type="email"
          autocomplete="email"
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
          aria-invalid={error?.field === 'email' || undefined}
          aria-describedby={['signin-email-hint', error?.field === 'email' && 'signin-email-error']
            .filter(Boolean)
            .join(' ')}
        />
        <p class="hint" id="signin-email-hint">
          {t.signIn.emailHint}
        </p>
        {fieldError('email')}
      </div>
      <button type="submit" disabled={busy}>
        {t.signIn.submit}
      </button>
    </form>
  );
}

function SignedIn(props: {
  t: Messages;
  locale: ConsoleLocale;
  session: Session;
  auth: ConsoleAuth;
  languageSwitch: JSX.Element;
  onSignedOut: () => void;
}) {
  const { t, session } = props;
  const [route, navigate] = useHashRoute();
  // A message belongs to the screen (hash) it is said for: it is not shown on the others.
  const [message, setMessage] = useState<{ text: string; tone: 'ok' | 'error'; hash: string } | null>(null);
  const leave = () => {
    signOut(props.auth);
    props.onSignedOut();
  };
  const api = useMemo(() => new Api(session.token, leave), [session.token]);
  const context: ConsoleContext = {
    t,
    locale: props.locale,
    api,
    session,
    canWrite: session.profile === 'ADMIN',
    announce: (text, tone = 'ok', hash = window.location.hash) => setMessage({ text, tone, hash }),
  };
  const allowed = session.profile === 'ADMIN' || session.profile === 'OPERATOR';
  const current = route.screen === 'archive' ? 'archive' : 'digests';

  return (
    <Context.Provider value={context}>
      <a class="skip" href="#main">
        {t.nav.label}
      </a>
      <header class="bar">
        <span class="brand">
          <span class="full">{t.product}</span>
          <span class="short">{t.productShort}</span>
        </span>
        <nav aria-label={t.nav.label}>
          <a href="#/digests" aria-current={current === 'digests' ? 'page' : undefined}>
            {t.nav.digests}
          </a>
          <a href="#/archive" aria-current={current === 'archive' ? 'page' : undefined}>
            {t.nav.archive}
          </a>
        </nav>
        <div class="who">
          <span class="identity" data-testid="identity">
            {t.signedInAs(session.email ?? '—', session.tenantId, session.profile || '—')}
          </span>
          {props.languageSwitch}
          <button type="button" class="secondary" onClick={leave}>
            {t.signOut}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <div class="live" role="status" aria-live="polite">
          {message && sameScreen(message.hash, window.location.hash) && (
            <p class={`notice ${message.tone}`}>{message.text}</p>
          )}
        </div>
        {!allowed ? (
          <p class="notice error" role="alert">
            {t.errors.profileNotAllowed}
          </p>
        ) : route.screen === 'archive' ? (
          <ArchiveScreen />
        ) : route.screen === 'new' ? (
          <EditorScreen navigate={navigate} />
        ) : route.screen === 'edit' ? (
          <EditorScreen key={route.id} id={route.id} navigate={navigate} />
        ) : route.screen === 'history' ? (
          <HistoryScreen key={route.id} id={route.id} />
        ) : (
          <DigestsScreen navigate={navigate} />
        )}
      </main>
    </Context.Provider>
  );
}

render(<App config={readConfig()} />, document.getElementById('app')!);
