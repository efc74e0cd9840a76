/**
 * Attribution of orders to touchpoints (pure). An order's touchpoints are those of its visitor and of every
 * visitor stitched to the same shopper, within [order time − window, order time]; the earliest takes the
 * first click, the latest the last click. Revenue is summed per currency in exact decimal arithmetic.
 */

export interface OrderInput {
  orderId: string;
  eventId: string;
  visitorId: string | null;
  shopperKey: string | null;
  value: string | null;
  currency: string | null;
  occurredAt: number;
}

export interface VisitorInput {
  visitorId: string;
  shopperKey: string | null;
  lastSeenAt: number;
}

export interface TouchInput {
  visitorId: string;
  occurredAt: number;
  channel: string;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
}

export interface AttributedOrder<O extends OrderInput = OrderInput> {
  order: O;
  /** The order's touchpoints in the window, oldest first. */
  touches: TouchInput[];
  first: TouchInput | null;
  last: TouchInput | null;
}

/**
 * Visitors of one shopper that count for an order, most recently seen first: a bound on what one shopper
 * key can pull in (anyone can identify any number of browsers with an e-mail address).
 */
export const MAX_VISITORS_PER_SHOPPER = 50;

/** Visitors by shopper key (capped per key) and the shopper key of each visitor. */
export interface VisitorIndex {
  byShopper: Map<string, string[]>;
  shopperOf: Map<string, string>;
}

export function indexVisitors(visitors: readonly VisitorInput[]): VisitorIndex {
  const sorted = [...visitors].sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  const byShopper = new Map<string, string[]>();
  const shopperOf = new Map<string, string>();
  const seen = new Set<string>();
  for (const v of sorted) {
    if (seen.has(v.visitorId)) continue;
    seen.add(v.visitorId);
    if (v.shopperKey === null) continue;
    shopperOf.set(v.visitorId, v.shopperKey);
    const list = byShopper.get(v.shopperKey) ?? [];
    if (list.length < MAX_VISITORS_PER_SHOPPER) list.push(v.visitorId);
    byShopper.set(v.shopperKey, list);
  }
  return { byShopper, shopperOf };
}

/** The shopper keys an order reaches: its own, and its visitor's. */
export function shopperKeysOf(order: OrderInput, index: VisitorIndex): string[] {
  const keys = new Set<string>();
  if (order.shopperKey !== null) keys.add(order.shopperKey);
  const viaVisitor = order.visitorId === null ? undefined : index.shopperOf.get(order.visitorId);
  if (viaVisitor !== undefined) keys.add(viaVisitor);
  return [...keys];
}

/** The visitors whose touchpoints count for an order. */
export function visitorsOf(order: OrderInput, index: VisitorIndex): Set<string> {
  const visitors = new Set<string>();
  if (order.visitorId !== null) visitors.add(order.visitorId);
  for (const key of shopperKeysOf(order, index)) {
    for (const v of index.byShopper.get(key) ?? []) visitors.add(v);
  }
  return visitors;
}

const byTime = (a: TouchInput, b: TouchInput): number =>
  a.occurredAt - b.occurredAt || a.channel.localeCompare(b.channel) || a.visitorId.localeCompare(b.visitorId);

export function attributeOrder<O extends OrderInput>(
  order: O,
  index: VisitorIndex,
  touchesByVisitor: ReadonlyMap<string, readonly TouchInput[]>,
  windowMs: number,
): AttributedOrder<O> {
  const since = order.occurredAt - windowMs;
  const touches: TouchInput[] = [];
  for (const visitor of visitorsOf(order, index)) {
    for (const t of touchesByVisitor.get(visitor) ?? []) {
      if (t.occurredAt >= since && t.occurredAt <= order.occurredAt) touches.push(t);
    }
  }
  touches.sort(byTime);
  return { order, touches, first: touches[0] ?? null, last: touches.at(-1) ?? null };
}

// ── Money ───────────────────────────────────────────────────────────────────────────────────────────

/** Sums are kept in millionths, exact for every currency's minor unit. */
const SCALE = 1_000_000n;
const DECIMAL = /^(-?)(\d{1,15})(?:\.(\d{1,6})\d*)?$/;

/** A decimal text as millionths; null for text that is not a plain decimal. */
export function toMicros(value: string | null): bigint | null {
  if (value === null) return null;
  const match = DECIMAL.exec(value.trim());
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  const micros = BigInt(whole!) * SCALE + BigInt(fraction.padEnd(6, '0'));
  return sign === '-' ? -micros : micros;
}

/** Millionths as a number of currency units (rounded to 6 decimals, as JSON numbers go). */
export function fromMicros(micros: bigint): number {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const text = `${abs / SCALE}.${(abs % SCALE).toString().padStart(6, '0')}`;
  return Number(negative ? `-${text}` : text);
}

/** Orders and revenue per currency. */
export class Tally {
  orders = 0;
  private readonly revenue = new Map<string | null, bigint>();

  add(order: OrderInput): void {
    this.orders += 1;
    const micros = toMicros(order.value);
    if (micros === null) return;
    this.revenue.set(order.currency, (this.revenue.get(order.currency) ?? 0n) + micros);
  }

  toJSON(): { orders: number; revenue: Array<{ currency: string | null; value: number }> } {
    const revenue = [...this.revenue]
      .map(([currency, micros]) => ({ currency, value: fromMicros(micros) }))
      .sort((a, b) => (a.currency ?? '').localeCompare(b.currency ?? ''));
    return { orders: this.orders, revenue };
  }
}

/** Per channel: the orders it has the first click of, and those it has the last click of. */
export class ChannelTotals {
  readonly all = new Tally();
  readonly unattributed = new Tally();
  private readonly channels = new Map<string, { firstClick: Tally; lastClick: Tally }>();

  private of(channel: string): { firstClick: Tally; lastClick: Tally } {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { firstClick: new Tally(), lastClick: new Tally() };
      this.channels.set(channel, entry);
    }
    return entry;
  }

  add(attributed: AttributedOrder): void {
    this.all.add(attributed.order);
    if (!attributed.first || !attributed.last) {
      this.unattributed.add(attributed.order);
      return;
    }
    this.of(attributed.first.channel).firstClick.add(attributed.order);
    this.of(attributed.last.channel).lastClick.add(attributed.order);
  }

  /** Channels by last-click orders, then first-click orders, then name. */
  list(): Array<{
    channel: string;
    firstClick: ReturnType<Tally['toJSON']>;
    lastClick: ReturnType<Tally['toJSON']>;
  }> {
    return [...this.channels]
      .sort(
        ([a, x], [b, y]) =>
          y.lastClick.orders - x.lastClick.orders ||
          y.firstClick.orders - x.firstClick.orders ||
          a.localeCompare(b),
      )
      .map(([channel, t]) => ({
        channel,
        firstClick: t.firstClick.toJSON(),
        lastClick: t.lastClick.toJSON(),
      }));
  }
}
