import { ChannelAdapter, WebhookEntry } from '@app/core';
import { dispatchEntries, isServedObject } from './webhook-dispatch';

function adapter(channel: string, key: string): ChannelAdapter {
  return {
    channel,
    descriptor: {
      id: channel,
      displayName: channel,
      docsUrl: '',
      capabilities: { richTemplates: false, typingIndicators: false, readReceipts: false, actions: [] },
    },
    webhook: {
      objects: ['page'],
      claims: (_o: string, e: WebhookEntry) => e[key] !== undefined,
      map: async () => ({ events: [], skipped: [] }),
    },
    send: async () => ({}),
  };
}

describe('dispatchEntries', () => {
  const messenger = adapter('messenger', 'messaging');
  const comments = adapter('comments', 'changes');

  it('should give each adapter the entries it claims, an entry with both parts to both, and report the rest', () => {
    const both = { id: '1', messaging: [], changes: [] };
    const result = dispatchEntries(
      'page',
      [{ id: '1', messaging: [] }, { id: '2', changes: [] }, both, { id: '3', inbox_labels: [] }, 'junk'],
      [messenger, comments],
    );
    expect(result.claimed.map((c) => [c.adapter.channel, c.entries.length])).toEqual([
      ['messenger', 2],
      ['comments', 2],
    ]);
    expect(result.unclaimed).toEqual([
      { index: 3, pageId: '3', keys: ['id', 'inbox_labels'] },
      { index: 4, pageId: undefined, keys: [] },
    ]);
  });

  it('should leave everything unclaimed when the only channel that would claim it is not running', () => {
    expect(dispatchEntries('page', [{ id: '2', changes: [] }], [messenger]).unclaimed).toHaveLength(1);
  });

  it('should serve an object only when some adapter listens to it', () => {
    expect(isServedObject('page', [messenger])).toBe(true);
    expect(isServedObject('instagram', [messenger])).toBe(false);
    expect(isServedObject('page', [])).toBe(false);
  });
});
