/**
 * What the domain's sub-pages (pixel, shop connection, attribution) share: the domain's host for the title,
 * the way back to the domain, and the routes under /app/domains/:id/… that main.tsx hands over here.
 */
import type { ComponentChildren } from 'preact';
import { get } from '../api.js';
import { ErrorBox, Link, Loading, Page, useData, when } from '../ui.js';

/** The sub-pages of a domain by the last part of their path; main.tsx asks `domainSubRoute` first. */
export type DomainSubPage = 'pixel' | 'shop' | 'attribution';
export const DOMAIN_SUB_PAGES: Record<DomainSubPage, string> = {
  pixel: 'Pixel keys',
  shop: 'Shop connection',
  attribution: 'Attribution',
};

export function domainSubRoute(path: string): { id: string; page: DomainSubPage } | null {
  const m = /^\/app\/domains\/([^/]+)\/(pixel|shop|attribution)$/.exec(path);
  return m ? { id: decodeURIComponent(m[1]!), page: m[2] as DomainSubPage } : null;
}

/** Epoch milliseconds (what these APIs answer) in the reader's words. */
export const whenMs = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : when(new Date(ms).toISOString());

/** The page of one of the domain's sub-pages: title with the host, breadcrumb, then `children(host)`. */
export function DomainFrame(props: {
  id: string;
  page: DomainSubPage;
  children: (domain: { id: string; host: string }) => ComponentChildren;
}) {
  const domain = useData(
    () => get<{ id: string; host: string }>(`/v1/domains/${encodeURIComponent(props.id)}`),
    `frame-${props.id}`,
  );
  const title = DOMAIN_SUB_PAGES[props.page];
  const d = domain.data;
  return (
    <Page title={d ? `${title}: ${d.host}` : title}>
      <p>
        <Link href="/app/domains">Domains</Link> ›{' '}
        <Link href={`/app/domains/${encodeURIComponent(props.id)}`}>{d?.host ?? 'the domain'}</Link> › {title}
      </p>
      {d ? (
        props.children(d)
      ) : domain.error ? (
        <ErrorBox error={domain.error} />
      ) : (
        <Loading what="the domain" />
      )}
    </Page>
  );
}
