import { mapInstagramEntries } from './instagram-event.mapper';

const IG = '17841400000000001';
const PAGE = '1234567890';
const pageOf = (accountId: string) => (accountId === IG ? PAGE : undefined);
const item = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  sender: { id: '5310000000000001' },
  recipient: { id: IG },
  timestamp: 1_800_000_000_000,
  message: { mid: 'aWdfm1', ...message },
  ...extra,
});

describe('mapInstagramEntries', () => {
  it('should map a DM to a customer message of the linked Page, with a stable dedupe key', () => {
    const { events, skipped, ignoredPages } = mapInstagramEntries([{ id: IG, messaging: [item({ text: 'hi' })] }], pageOf);
    expect(skipped).toEqual([]);
    expect(ignoredPages).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        channel: 'instagram',
        kind: 'message',
        pageId: PAGE,
        customerId: '5310000000000001',
        mid: 'aWdfm1',
        text: 'hi',
        userOriginated: true,
      }),
    ]);
    expect(events[0].dedupeKey).toBe(mapInstagramEntries([{ id: IG, messaging: [item({ text: 'hi' })] }], pageOf).events[0].dedupeKey);
  });

  it('should ignore accounts not linked to a configured Page', () => {
    const { events, ignoredPages } = mapInstagramEntries(
      [{ id: '999', messaging: [item({ text: 'hi' }, { recipient: { id: '999' } })] }],
      pageOf,
    );
    expect(events).toEqual([]);
    expect(ignoredPages).toEqual(['999']);
  });

  it('should keep story replies and mentions as ephemeral attachments (never downloaded)', () => {
    const reply = item({ text: 'love it', reply_to: { story: { url: 'https://lookaside.fbsbx.com/story/1', id: 'st1' } } });
    const mention = item({
      mid: 'aWdfm2',
      attachments: [{ type: 'story_mention', payload: { url: 'https://lookaside.fbsbx.com/story/2' } }],
    });
    const { events } = mapInstagramEntries([{ id: IG, messaging: [reply, mention] }], pageOf);
    expect(events[0].attachments).toEqual([
      expect.objectContaining({ type: 'story_reply', url: 'https://lookaside.fbsbx.com/story/1', ephemeral: true }),
    ]);
    expect(events[1].attachments).toEqual([expect.objectContaining({ type: 'story_mention', ephemeral: true })]);
  });

  it('should map quick replies, postbacks, reactions, seen and echoes like Messenger', () => {
    const { events } = mapInstagramEntries(
      [
        {
          id: IG,
          messaging: [
            item({ text: 'Track', quick_reply: { payload: 'TRACK' } }),
            {
              sender: { id: '5310000000000001' },
              recipient: { id: IG },
              timestamp: 2,
              postback: { mid: 'aWdfp', title: 'Menu', payload: 'MENU' },
            },
            {
              sender: { id: '5310000000000001' },
              recipient: { id: IG },
              timestamp: 3,
              reaction: { mid: 'aWdfm1', action: 'react', reaction: 'love' },
            },
            { sender: { id: '5310000000000001' }, recipient: { id: IG }, timestamp: 4, read: { mid: 'aWdfm9' } },
            {
              sender: { id: IG },
              recipient: { id: '5310000000000001' },
              timestamp: 5,
              message: { mid: 'aWdfe', text: 'from the app', is_echo: true },
            },
          ],
        },
      ],
      pageOf,
    );
    expect(events.map((e) => [e.kind, e.customerId, e.payload])).toEqual([
      ['message', '5310000000000001', 'TRACK'],
      ['postback', '5310000000000001', 'MENU'],
      ['reaction', '5310000000000001', 'react'],
      ['read', '5310000000000001', undefined],
      ['echo', '5310000000000001', undefined],
    ]);
  });

  it('should record an unsent message as a channel event, not a new message', () => {
    const { events } = mapInstagramEntries([{ id: IG, messaging: [item({ is_deleted: true })] }], pageOf);
    expect(events[0]).toMatchObject({ kind: 'channel_event', payload: 'message_deleted', userOriginated: false });
  });

  it('should skip malformed items and keep the rest', () => {
    const { events, skipped } = mapInstagramEntries([{ id: IG, messaging: [null, item({ text: 'ok' })] }, { messaging: [] }], pageOf);
    expect(events.map((e) => e.text)).toEqual(['ok']);
    expect(skipped).toHaveLength(2);
  });
});
