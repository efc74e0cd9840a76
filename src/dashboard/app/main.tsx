/**
 * The dashboard (issue 13): the management API's browser client, served at /app. One page per path under
 * /app; the signed-in user, their role in the current org and the org switcher come from /v1/auth/me.
 * What a role cannot do is not shown; the API refuses it anyway.
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, atLeast, get, type Me, type Role } from './api.js';
import { ORG_AREA_NAV, orgAreaRoute } from './org-area.js';
import { DomainPage } from './pages/domain.js';
import { DomainSubPages, domainSubRoute } from './pages/domain-routes.js';
import { DomainsPage } from './pages/domains.js';
import { EventsPage } from './pages/events.js';
import { OrgPage } from './pages/org.js';
import { OverviewPage } from './pages/overview.js';
import { QualityPage } from './pages/quality.js';
import { type Session, SessionContext } from './session.js';
import { ErrorBox, Field, Link, Loading, useData, useLocation } from './ui.js';

const NAV: Array<{ href: string; label: string; min?: Role; match: (p: string) => boolean }> = [
  { href: '/app', label: 'Overview', match: (p) => p === '/app' || p === '/app/' },
  { href: '/app/domains', label: 'Domains', match: (p) => p.startsWith('/app/domains') },
  { href: '/app/events', label: 'Events', match: (p) => p.startsWith('/app/events') },
  ...ORG_AREA_NAV,
  { href: '/app/org', label: 'Organisation', match: (p) => p.startsWith('/app/org') },
];

function OrgSwitcher(props: { me: Me }) {
  const [error, setError] = useState<unknown>(null);
  if (props.me.orgs.length < 2) return <span class="org-name">{props.me.currentOrg?.name}</span>;
  return (
    <span class="org-switch">
      <label for="org-switch">Organisation</label>
      <select
        id="org-switch"
        value={props.me.currentOrg?.id ?? ''}
        onChange={async (e) => {
          try {
            await api('POST', '/v1/auth/switch-org', { orgId: (e.target as HTMLSelectElement).value });
            location.assign('/app');
          } catch (err) {
            setError(err);
          }
        }}
      >
        {!props.me.currentOrg && <option value="">Choose…</option>}
        {props.me.orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name} ({o.role})
          </option>
        ))}
      </select>
      <ErrorBox error={error} />
    </span>
  );
}

/** No current org: join one (pick it) or create one. */
function NoOrg(props: { me: Me }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <main id="main" class="narrow">
      <h1>Welcome to Tagbridge</h1>
      <p>
        Signed in as <strong>{props.me.user.email}</strong>.
      </p>
      {props.me.orgs.length > 0 ? (
        <>
          <p>This session has no current organisation yet. Choose one:</p>
          <ul>
            {props.me.orgs.map((o) => (
              <li key={o.id}>
                <button
                  type="button"
                  onClick={async () => {
                    try {
                      await api('POST', '/v1/auth/switch-org', { orgId: o.id });
                      location.assign('/app');
                    } catch (e) {
                      setError(e);
                    }
                  }}
                >
                  Open {o.name}
                </button>{' '}
                (you are {o.role})
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>
          You are not a member of any organisation yet. Ask an owner to invite you, or create your own
          organisation below.
        </p>
      )}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api('POST', '/v1/orgs', { name });
            location.assign('/app');
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2>Create an organisation</h2>
        <Field id="new-org" label="Organisation name">
          {(a) => (
            <input
              {...a}
              required
              maxLength={100}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" class="primary">
          Create organisation
        </button>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}

function Routes(props: { path: string }) {
  const p = props.path.replace(/\/+$/, '') || '/app';
  const domain = /^\/app\/domains\/([^/]+)$/.exec(p);
  const quality = /^\/app\/domains\/([^/]+)\/quality$/.exec(p);
  const domainSub = domainSubRoute(p);
  if (p === '/app') return <OverviewPage />;
  if (p === '/app/domains') return <DomainsPage />;
  if (domain) return <DomainPage id={decodeURIComponent(domain[1]!)} />;
  if (quality) return <QualityPage id={decodeURIComponent(quality[1]!)} />;
  if (domainSub) return <DomainSubPages {...domainSub} />;
  if (p === '/app/events') return <EventsPage />;
  const orgArea = orgAreaRoute(p);
  if (orgArea) return orgArea;
  if (p.startsWith('/app/org'))
    return <OrgPage tab={p.slice('/app/org'.length).replace(/^\//, '') || 'members'} />;
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{p}</code>. Go to the <Link href="/app">overview</Link>.
      </p>
    </>
  );
}

function App() {
  const { path } = useLocation();
  const me = useData(() => get<Me>('/v1/auth/me'), 'me');
  const [menuOpen, setMenuOpen] = useState(false);
  // A new page: move focus to its heading so keyboard and screen-reader users start there.
  useEffect(() => {
    setMenuOpen(false);
    const h = document.getElementById('page-title');
    if (h && document.activeElement !== document.body) h.focus();
  }, [path]);
  if (me.error && !me.data)
    return (
      <main id="main" class="narrow">
        <h1>Tagbridge</h1>
        <ErrorBox error={me.error} title="Could not load your account." />
      </main>
    );
  if (!me.data) return <Loading what="your account" />;
  if (!me.data.currentOrg) return <NoOrg me={me.data} />;
  const role = me.data.currentOrg.role;
  const session: Session = { me: me.data, role, can: (min) => atLeast(role, min) };
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/app" class="brand">
          Tagbridge
        </Link>
        <button
          type="button"
          class="menu"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="nav" aria-label="Main" class={menuOpen ? 'open' : ''}>
          <ul>
            {NAV.filter((n) => !n.min || session.can(n.min)).map((n) => (
              <li key={n.href}>
                <Link href={n.href} current={n.match(path)}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <OrgSwitcher me={me.data} />
          <span class="muted">
            {me.data.user.email} · {role}
          </span>
          <button
            type="button"
            onClick={async () => {
              await api('POST', '/v1/auth/logout').catch(() => undefined);
              location.assign('/sign-in');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <Routes path={path} />
      </main>
    </SessionContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
