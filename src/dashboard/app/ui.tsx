/** Small shared pieces: routing, data loading, error and empty states, confirmation, copy. */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, detailErrors, nextStep } from './api.js';

// --- routing on the path under /app -------------------------------------------------------------------

const listeners = new Set<() => void>();
export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  for (const l of listeners) l();
}
export function useLocation(): { path: string; search: URLSearchParams } {
  const [, tick] = useState(0);
  useEffect(() => {
    const update = () => tick((n) => n + 1);
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  current?: boolean;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

// --- data --------------------------------------------------------------------------------------------------

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads `load()` when `key` changes; `every` (ms) reloads it while the page is open and visible. */
export function useData<T>(load: () => Promise<T>, key: string, every?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const [n, setN] = useState(0);
  const reload = useCallback(() => setN((x) => x + 1), []);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [key, n]);
  useEffect(() => {
    if (!every) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, every);
    return () => clearInterval(timer);
  }, [every, reload]);
  return { ...state, reload };
}

// --- states ------------------------------------------------------------------------------------------------

export function ErrorBox(props: { error: unknown; title?: string }) {
  if (!props.error) return null;
  const e = props.error;
  const message = e instanceof Error ? e.message : String(e);
  const list = detailErrors(e);
  return (
    <div class="error" role="alert">
      <p>
        <strong>{props.title ?? 'That did not work.'}</strong> {message}
      </p>
      {list.length > 0 && (
        <ul>
          {list.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
      <p>{nextStep(e)}</p>
      {e instanceof ApiFailure && e.code !== 'network' && (
        <p class="muted">
          Code <code>{e.code}</code> (HTTP {e.status})
        </p>
      )}
    </div>
  );
}

export function Loading(props: { what?: string }) {
  return (
    <p class="muted" aria-live="polite">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

/** An empty list: what it is, and what to do next. */
export function Empty(props: { title: string; children: ComponentChildren }) {
  return (
    <div class="empty">
      <p>
        <strong>{props.title}</strong>
      </p>
      <div>{props.children}</div>
    </div>
  );
}

export function Page(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · Tagbridge`;
  }, [props.title]);
  return (
    <>
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1}>
          {props.title}
        </h1>
        {props.actions && <div class="actions">{props.actions}</div>}
      </div>
      {props.children}
    </>
  );
}

export function Status(props: { value: string }) {
  const tone =
    props.value === 'active' || props.value === 'delivered'
      ? 'ok'
      : props.value === 'needs_attention' || props.value === 'failed' || props.value === 'dead'
        ? 'bad'
        : props.value === 'pending' || props.value === 'pending_dns' || props.value === 'paused'
          ? 'wait'
          : 'neutral';
  return <span class={`badge ${tone}`}>{props.value.replace(/_/g, ' ')}</span>;
}

/**
 * A button that asks before it acts: the first press shows what will happen and a confirm / cancel pair
 * (focus moves to the confirm button, Escape cancels).
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking)
    return (
      <span>
        <button type="button" class={props.danger ? 'danger' : ''} onClick={() => setAsking(true)}>
          {props.label}
        </button>
        <ErrorBox error={error} />
      </span>
    );
  return (
    <fieldset
      class="confirm"
      aria-label={props.label}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setAsking(false);
      }}
    >
      <p>{props.question}</p>
      <button
        type="button"
        ref={confirmRef}
        class={props.danger ? 'danger' : 'primary'}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await props.onConfirm();
            setAsking(false);
          } catch (e) {
            setError(e);
            setAsking(false);
          } finally {
            setBusy(false);
          }
        }}
      >
        {props.confirmLabel ?? `Yes, ${props.label.toLowerCase()}`}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </fieldset>
  );
}

export function CopyButton(props: { value: string; label: string }) {
  const [done, setDone] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(props.value);
            setDone('Copied.');
          } catch {
            setDone('Copy did not work here: select the value and copy it by hand.');
          }
        }}
      >
        {props.label}
      </button>
      <span class="muted" role="status">
        {done ?? ''}
      </span>
    </>
  );
}

/** A secret shown once: the value, a copy button, and the warning that it will not be shown again. */
export function ShownOnce(props: {
  title: string;
  value: string;
  children?: ComponentChildren;
  onDone: () => void;
}) {
  return (
    <section class="once" aria-labelledby="once-title">
      <h2 id="once-title">{props.title}</h2>
      <p>
        <strong>Shown only now.</strong> Copy it and keep it somewhere safe; Tagbridge stores only a
        fingerprint of it.
      </p>
      <p>
        <code class="secret" data-testid="secret-value">
          {props.value}
        </code>
      </p>
      <CopyButton value={props.value} label="Copy" />
      {props.children}
      <p>
        <button type="button" onClick={props.onDone}>
          I have stored it
        </button>
      </p>
    </section>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)} %`;
}

/** A labelled form field (label, control, hint) with ids wired for screen readers. */
export function Field(props: {
  id: string;
  label: string;
  hint?: string | undefined;
  children: (attrs: { id: string; 'aria-describedby'?: string }) => JSX.Element;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children({ id: props.id, ...(hintId ? { 'aria-describedby': hintId } : {}) })}
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}
