/** The domain's sub-pages under /app/domains/:id/… (pixel keys, shop connection, attribution). */
import { AttributionPage } from './attribution.js';
import type { DomainSubPage } from './domain-frame.js';
import { DomainPixelKeysPage } from './domain-pixel-keys.js';
import { DomainShopPage } from './domain-shop.js';

export { domainSubRoute } from './domain-frame.js';

export function DomainSubPages(props: { id: string; page: DomainSubPage }) {
  if (props.page === 'pixel') return <DomainPixelKeysPage id={props.id} />;
  if (props.page === 'shop') return <DomainShopPage id={props.id} />;
  return <AttributionPage id={props.id} />;
}
