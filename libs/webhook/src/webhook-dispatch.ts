import { ChannelAdapter, WebhookEntry } from '@app/core';

export interface WebhookDispatch {
  /** Each adapter with the entries it claimed (an entry may go to several adapters, each reading its own part). */
  claimed: { adapter: ChannelAdapter; entries: WebhookEntry[] }[];
  /** Entries no adapter understands: logged and acknowledged, never an error (Meta would retry forever). */
  unclaimed: { index: number; pageId?: string; keys: string[] }[];
}

/**
 * Hands each webhook entry to every registered channel adapter that claims it. Pure: the controller
 * does the I/O; this decides who reads what, so "no central switch" is one tested function.
 */
export function dispatchEntries(object: string, entries: readonly unknown[], adapters: readonly ChannelAdapter[]): WebhookDispatch {
  const listening = adapters.filter((a) => a.webhook?.objects.includes(object));
  const claimed = new Map<ChannelAdapter, WebhookEntry[]>();
  const unclaimed: WebhookDispatch['unclaimed'] = [];
  entries.forEach((raw, index) => {
    const entry = isObject(raw) ? raw : undefined;
    const takers = entry ? listening.filter((a) => a.webhook!.claims(object, entry)) : [];
    if (!entry || takers.length === 0) {
      unclaimed.push({
        index,
        pageId: entry && (typeof entry.id === 'string' || typeof entry.id === 'number') ? String(entry.id) : undefined,
        keys: entry ? Object.keys(entry) : [],
      });
      return;
    }
    for (const adapter of takers) claimed.set(adapter, [...(claimed.get(adapter) ?? []), entry]);
  });
  return { claimed: [...claimed].map(([adapter, list]) => ({ adapter, entries: list })), unclaimed };
}

/** Whether any registered adapter reads webhooks of this `object`. */
export function isServedObject(object: string, adapters: readonly ChannelAdapter[]): boolean {
  return adapters.some((a) => a.webhook?.objects.includes(object));
}

function isObject(value: unknown): value is WebhookEntry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
