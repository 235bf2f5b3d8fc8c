import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import { ApiProblem, NetworkProblem, type Api } from './api.ts';
import type { ConsoleLocale, Messages } from './i18n.ts';
import type { Session } from './session.ts';

/** What every screen needs: the words, the API with the session's token, and whether the caller may write. */
export interface ConsoleContext {
  t: Messages;
  locale: ConsoleLocale;
  api: Api;
  session: Session;
  /** ADMIN writes; OPERATOR reads everything (the API refuses its writes anyway). */
  canWrite: boolean;
  /** Shows a status message in the page's live region, on the screen of `hash` (default: this one). */
  announce: (message: string, tone?: 'ok' | 'error', hash?: string) => void;
}

export const Context = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const context = useContext(Context);
  if (!context) throw new Error('useConsole outside the signed-in console');
  return context;
}

/** An error in words: the API's own message for validation errors, a sentence of ours for the rest. */
export function describeError(t: Messages, error: unknown): string {
  if (error instanceof NetworkProblem) return t.errors.network;
  if (error instanceof ApiProblem) {
    switch (error.status) {
      case 401:
        return t.errors.unauthorized;
      case 403:
        return t.errors.forbidden;
      case 404:
        return t.errors.notFound;
      case 409:
        return t.errors.conflict;
      case 429:
        return t.errors.rateLimited(error.retryAfter ?? '60');
      default:
        return t.errors.generic(error.message);
    }
  }
  return t.errors.generic(error instanceof Error ? error.message : String(error));
}

/** A screen's heading: focused when the screen opens, so keyboard and screen-reader users land on it. */
export function ScreenTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function Loading() {
  const { t } = useConsole();
  return (
    <p class="muted" role="status">
      {t.loading}
    </p>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useConsole();
  return (
    <div class="notice error" role="alert">
      <p>{describeError(t, error)}</p>
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          {t.retry}
        </button>
      )}
    </div>
  );
}

/** A modal confirmation on the native <dialog>: focus is trapped, Escape cancels. */
export function Confirm(props: {
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useConsole();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    return () => dialog.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-message"
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id="confirm-title">{props.title}</h2>
      <p id="confirm-message">{props.message}</p>
      <div class="buttons">
        <button type="button" class="secondary" onClick={props.onCancel}>
          {t.cancel}
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
