import type { CommonDestinationConfig, EventName, OutboundEvent } from '../contract.js';

/**
 * The platform event name: the destination's override for this event type if configured (it must
 * match what the browser pixel sends, or platform dedup breaks), else the adapter's default.
 */
export function platformEventName(
  event: OutboundEvent,
  config: CommonDestinationConfig,
  defaults: Readonly<Record<EventName, string>>,
): string {
  const override = config.eventNames?.[event.eventName]?.trim();
  return override !== undefined && override !== '' ? override : defaults[event.eventName];
}

/**
 * For platforms that accept any event name (Meta, TikTok): a `Custom` event goes out under the shop's
 * own name, since that is what the browser pixel's custom event carries; the override or default
 * name is only the fallback for a custom event without a name.
 */
export function freeFormEventName(
  event: OutboundEvent,
  config: CommonDestinationConfig,
  defaults: Readonly<Record<EventName, string>>,
): string {
  const custom = event.eventName === 'Custom' ? event.customEventName?.trim() : undefined;
  return custom !== undefined && custom !== '' ? custom : platformEventName(event, config, defaults);
}
