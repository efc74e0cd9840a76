/**
 * Privacy requests (owners only, as the API): export everything the organisation holds about a person
 * (GDPR Art. 15) as a JSON download, or erase it (Art. 17) after typing the identifier again. The person is
 * named in the request body only; the API audits both.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Field } from '../ui.js';

interface Person {
  email: string;
  phone: string;
}

const bodyOf = (p: Person): Record<string, string> => ({
  ...(p.email.trim() ? { email: p.email.trim() } : {}),
  ...(p.phone.trim() ? { phone: p.phone.trim() } : {}),
});

/** What the person is called in the confirmation: the e-mail address, else the phone number. */
const identifier = (p: Person): string => p.email.trim() || p.phone.trim();

/** Counts of an export's sections (top-level arrays, and the arrays one level down such as mentions). */
function sections(data: Record<string, unknown>): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [key, value] of Object.entries(data)) {
    if (Array.isArray(value)) out.push([key, value.length]);
    else if (value && typeof value === 'object')
      for (const [sub, inner] of Object.entries(value))
        if (Array.isArray(inner)) out.push([`${key}: ${sub}`, inner.length]);
  }
  return out;
}

function Counts(props: { caption: string; rows: Array<[string, number]>; testId: string }) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">Rows</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map(([k, n]) => (
            <tr key={k}>
              <td>{k.replace(/_/g, ' ')}</td>
              <td>{n}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ExportResult(props: { who: string; data: Record<string, unknown> }) {
  const [href, setHref] = useState<string | null>(null);
  useEffect(() => {
    const url = URL.createObjectURL(
      new Blob([`${JSON.stringify(props.data, null, 2)}\n`], { type: 'application/json' }),
    );
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [props.data]);
  const file = `personal-data-${props.who.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
  return (
    <section class="card" aria-labelledby="export-title">
      <h2 id="export-title">Export of {props.who}</h2>
      <Counts caption="What was found" rows={sections(props.data)} testId="export-counts" />
      {href && (
        <p>
          <a href={href} download={file}>
            Download {file}
          </a>
        </p>
      )}
      <p class="muted">The export is made in your browser from the answer; Tagbridge keeps no copy of it.</p>
    </section>
  );
}

export function PrivacyTab() {
  const { can } = useSession();
  const [person, setPerson] = useState<Person>({ email: '', phone: '' });
  const [exported, setExported] = useState<{ who: string; data: Record<string, unknown> } | null>(null);
  const [erasing, setErasing] = useState(false);
  const [typed, setTyped] = useState('');
  const [erased, setErased] = useState<{ who: string; counts: Record<string, number> } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!can('owner')) return <p>Only owners handle privacy requests.</p>;
  const who = identifier(person);
  const run = async (action: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p>
        Answer a person’s request for their data (access, GDPR Art. 15) or its erasure (Art. 17). Tagbridge
        finds them in this organisation’s events, visitors, orders and shop webhooks by e-mail address and/or
        phone number. Both actions are recorded in the audit log.
      </p>
      <form
        class="card"
        aria-labelledby="privacy-title"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const data = await api<Record<string, unknown>>(
              'POST',
              '/v1/org/personal-data-exports',
              bodyOf(person),
            );
            setExported({ who, data });
          });
        }}
      >
        <h2 id="privacy-title">The person</h2>
        <Field id="privacy-email" label="Their e-mail address">
          {(a) => (
            <input
              {...a}
              type="email"
              maxLength={254}
              value={person.email}
              onInput={(e) => {
                setPerson({ ...person, email: e.currentTarget.value });
                setErasing(false);
              }}
            />
          )}
        </Field>
        <Field
          id="privacy-phone"
          label="Their phone number (optional)"
          hint="Any format; found with or without the country code."
        >
          {(a) => (
            <input
              {...a}
              type="tel"
              maxLength={40}
              value={person.phone}
              onInput={(e) => {
                setPerson({ ...person, phone: e.currentTarget.value });
                setErasing(false);
              }}
            />
          )}
        </Field>
        <div class="actions">
          <button type="submit" class="primary" disabled={!who || busy}>
            Export their data
          </button>
          <button
            type="button"
            class="danger"
            disabled={!who || busy}
            onClick={() => {
              setTyped('');
              setErasing(true);
            }}
          >
            Erase their data…
          </button>
        </div>
      </form>
      {erasing && who && (
        <form
          class="confirm card"
          aria-labelledby="erase-title"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim() !== who) return;
            void run(async () => {
              const res = await api<{ erased: Record<string, number> }>(
                'POST',
                '/v1/org/erasures',
                bodyOf(person),
              );
              setErased({ who, counts: res.erased });
              setErasing(false);
              setExported(null);
            });
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setErasing(false);
          }}
        >
          <h2 id="erase-title">Erase everything about {who}?</h2>
          <p class="bad-text">
            This cannot be undone. Their personal data is removed from this organisation’s events (pending
            deliveries of them are skipped), orders, shop webhooks and visitors; conversions are kept without
            the link to them. Export it first if they asked for a copy.
          </p>
          <Field id="erase-confirm" label={`Type ${who} to confirm`}>
            {(a) => (
              <input
                {...a}
                autoComplete="off"
                value={typed}
                onInput={(e) => setTyped(e.currentTarget.value)}
              />
            )}
          </Field>
          <div class="actions">
            <button type="submit" class="danger" disabled={typed.trim() !== who || busy}>
              Erase permanently
            </button>
            <button type="button" onClick={() => setErasing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorBox error={error} />
      {erased && (
        <section class="card" aria-labelledby="erased-title" role="status">
          <h2 id="erased-title">Erased what this organisation held about {erased.who}</h2>
          {Object.keys(erased.counts).length === 0 ? (
            <p>Nothing was found about them.</p>
          ) : (
            <Counts caption="Rows changed" rows={Object.entries(erased.counts)} testId="erasure-counts" />
          )}
        </section>
      )}
      {exported && <ExportResult who={exported.who} data={exported.data} />}
    </>
  );
}
