/**
 * Whether an event can still be rebuilt for a platform: while its sealed personal data is held, or when it
 * never had any. Without its sealed data an event that carried match keys (or a pmw passthrough, whose
 * platform members are all sealed) cannot be rebuilt faithfully. The one rule for the worker and replay.
 */
export function canRebuildEvent(event: { sealed: boolean; matchKeys: string; source: string }): boolean {
  return event.sealed || (event.matchKeys === '' && event.source !== 'PMW');
}
