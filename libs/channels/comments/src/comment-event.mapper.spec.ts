import { mapFeedEntries } from './comment-event.mapper';

const PAGE = '111';
const change = (value: Record<string, unknown>) => ({
  field: 'feed',
  value: { item: 'comment', post_id: `${PAGE}_9`, created_time: 1_800_000_000, ...value },
});
const entry = (...changes: unknown[]) => ({ id: PAGE, time: 1_800_000_100, changes });
const none = () => undefined;

describe('mapFeedEntries', () => {
  it("should map a customer's comment to a message of the post+commenter conversation, with seconds turned into ms", () => {
    const { events, facts } = mapFeedEntries(
      [entry(change({ verb: 'add', comment_id: '9_1', parent_id: `${PAGE}_9`, from: { id: '42', name: 'Ann' }, message: 'hi' }))],
      none,
    );
    expect(events).toEqual([
      expect.objectContaining({
        channel: 'facebook-comments',
        kind: 'message',
        pageId: PAGE,
        customerId: `${PAGE}_9:42`,
        mid: '9_1',
        text: 'hi',
        timestamp: 1_800_000_000_000,
        userOriginated: true,
        dedupeKey: 'facebook-comments:111:add:9_1',
      }),
    ]);
    expect(facts).toEqual([
      expect.objectContaining({ commentId: '9_1', authorName: 'Ann', fromPage: false, createdTime: 1_800_000_000_000 }),
    ]);
  });

  it("should put the Page's own reply into the conversation of the comment it answers, as an echo (never answered)", () => {
    const customer = change({ verb: 'add', comment_id: '9_1', from: { id: '42' }, message: 'hi' });
    const pageReply = change({ verb: 'add', comment_id: '9_2', parent_id: '9_1', from: { id: PAGE }, message: 'hello' });
    const { events } = mapFeedEntries([entry(customer, pageReply)], none);
    expect(events[1]).toMatchObject({ kind: 'echo', customerId: `${PAGE}_9:42`, userOriginated: false, mid: '9_2' });
    // Known from the index instead of the same batch:
    const later = mapFeedEntries([entry(pageReply)], (id) => (id === '9_1' ? `${PAGE}_9:42` : undefined));
    expect(later.events[0]).toMatchObject({ kind: 'echo', customerId: `${PAGE}_9:42` });
    // A reply ccm posted itself is dropped (the outbox stores it).
    expect(mapFeedEntries([entry(pageReply)], none, (id) => id === '9_2').events).toEqual([]);
  });

  it('should map edits to message_edit and remove/hide/unhide to channel events, ordered by the notification time', () => {
    const { events } = mapFeedEntries(
      [
        entry(
          change({ verb: 'edited', comment_id: '9_1', from: { id: '42' }, message: 'hi again' }),
          change({ verb: 'edit', comment_id: '9_1', from: { id: '42' }, message: 'hi 3' }),
          change({ verb: 'remove', comment_id: '9_1', from: { id: '42' } }),
          change({ verb: 'hide', comment_id: '9_1', from: { id: '42' } }),
        ),
      ],
      none,
    );
    expect(events.map((e) => [e.kind, e.payload ?? e.text, e.timestamp])).toEqual([
      ['message_edit', 'hi again', 1_800_000_100_000],
      ['message_edit', 'hi 3', 1_800_000_100_000],
      ['channel_event', 'remove', 1_800_000_100_000],
      ['channel_event', 'hide', 1_800_000_100_000],
    ]);
  });

  it('should skip what is not a comment or is malformed, keep the rest, and never throw', () => {
    const { events, skipped } = mapFeedEntries(
      [
        entry(
          change({ item: 'reaction', verb: 'add' }),
          change({ verb: 'add', from: { id: '42' } }),
          change({ verb: 'add', comment_id: '9_5', from: { id: '42' }, message: 'ok' }),
        ),
        { id: PAGE, changes: 'nope' },
        { changes: [] },
      ],
      none,
    );
    expect(events.map((e) => e.mid)).toEqual(['9_5']);
    expect(skipped.map((s) => s.reason)).toEqual([
      'feed item "reaction" is not a comment (not handled)',
      'comment add without comment_id or post_id',
      'changes is not an array',
      'feed entry without a page id',
    ]);
    for (const junk of [null, 1, 'x', [], {}, { id: PAGE, changes: [null, 1, { field: 'feed', value: null }] }]) {
      expect(() => mapFeedEntries([junk as never], none)).not.toThrow();
    }
  });
});
