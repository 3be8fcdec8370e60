import { mapMessengerWebhook } from './messenger-event.mapper';
import { LIKE_STICKER_ID, ownMetadata } from './messenger.constants';

const PAGE = '111';
const one = (item: Record<string, unknown>) =>
  mapMessengerWebhook({
    object: 'page',
    entry: [{ id: PAGE, time: 1, messaging: [{ recipient: { id: PAGE }, timestamp: 5000, ...item }] }],
  });

describe('mapMessengerWebhook: normalised fields for the core', () => {
  it('should mark a like-sticker-only message as an acknowledgement, and nothing else', () => {
    const like = { type: 'image', payload: { url: 'https://x/like.png', sticker_id: Number(LIKE_STICKER_ID) } };
    expect(one({ sender: { id: '42' }, message: { mid: 'm1', attachments: [like] } }).events[0].acknowledgement).toBe(true);
    expect(
      one({ sender: { id: '42' }, message: { mid: 'm2', text: 'thanks', attachments: [like] } }).events[0].acknowledgement,
    ).toBeUndefined();
    const photo = { type: 'image', payload: { url: 'https://x/p.png' } };
    expect(one({ sender: { id: '42' }, message: { mid: 'm3', attachments: [photo] } }).events[0].acknowledgement).toBeUndefined();
  });

  it('should skip an item whose sender or recipient id is not numeric (never a real PSID), with a reason, and keep the rest', () => {
    const mapped = mapMessengerWebhook({
      object: 'page',
      entry: [
        {
          id: PAGE,
          time: 1,
          messaging: [
            { sender: { id: 'psid-made-up' }, recipient: { id: PAGE }, timestamp: 1, message: { mid: 'm_bad', text: 'hi' } },
            { sender: { id: PAGE }, recipient: { id: 'someone' }, timestamp: 2, message: { is_echo: true, mid: 'm_echo' } },
            { sender: { id: '42' }, recipient: { id: PAGE }, timestamp: 3, message: { mid: 'm_ok', text: 'hi' } },
            { sender: { id: 42 }, recipient: { id: PAGE }, timestamp: 4, message: { mid: 'm_ok_2', text: 'hi' } },
          ],
        },
      ],
    });
    expect(mapped.events.map((e) => [e.mid, e.customerId])).toEqual([
      ['m_ok', '42'],
      ['m_ok_2', '42'],
    ]);
    expect(mapped.skipped.map((s) => s.reason)).toEqual([
      'sender id "psid-made-up" is not numeric (never a real PSID)',
      'recipient id "someone" is not numeric (never a real PSID or Page id)',
    ]);
  });

  it('should recognise the echo of a message ccm sent by its metadata', () => {
    const echo = (metadata?: string) =>
      mapMessengerWebhook({
        object: 'page',
        entry: [
          {
            id: PAGE,
            messaging: [{ sender: { id: PAGE }, recipient: { id: '42' }, timestamp: 1, message: { is_echo: true, mid: 'm_e', metadata } }],
          },
        ],
      }).events[0];
    expect(echo(ownMetadata(17)).ownMessageId).toBe(17);
    expect(echo('something else').ownMessageId).toBeUndefined();
    expect(echo(undefined).ownMessageId).toBeUndefined();
  });

  it('should name the message ids of delivery and read receipts', () => {
    expect(one({ sender: { id: '42' }, delivery: { mids: ['m_a', 'm_b', 7], watermark: 4000 } }).events[0]).toMatchObject({
      kind: 'delivery',
      receiptMids: ['m_a', 'm_b'],
      watermark: 4000,
    });
    expect(one({ sender: { id: '42' }, read: { watermark: 4000, mid: 'm_c' } }).events[0].receiptMids).toEqual(['m_c']);
  });

  it('should carry the emoji of a reaction, and none when the customer removes it', () => {
    const react = { mid: 'm_out', action: 'react', reaction: 'love', emoji: '❤️' };
    expect(one({ sender: { id: '42' }, reaction: react }).events[0]).toMatchObject({
      kind: 'reaction',
      mid: 'm_out',
      payload: 'react',
      reaction: '❤️',
    });
    expect(one({ sender: { id: '42' }, reaction: { ...react, emoji: undefined } }).events[0].reaction).toBe('love');
    const unreact = one({ sender: { id: '42' }, reaction: { mid: 'm_out', action: 'unreact', reaction: 'love' } }).events[0];
    expect(unreact).toMatchObject({ kind: 'reaction', payload: 'unreact' });
    expect(unreact.reaction).toBeUndefined();
  });

  it('should carry the reason of a policy enforcement as its text', () => {
    expect(one({ policy_enforcement: { action: 'block', reason: 'spam' } }).events[0]).toMatchObject({
      kind: 'page_policy',
      payload: 'block',
      text: 'spam',
    });
  });
});

describe('mapMessengerWebhook: review fixes', () => {
  it('should keep a delivery receipt without a timestamp (Meta documents none), ordered by its watermark', () => {
    const mapped = mapMessengerWebhook({
      object: 'page',
      entry: [{ id: PAGE, messaging: [{ sender: { id: '42' }, recipient: { id: PAGE }, delivery: { mids: ['m_a'], watermark: 4000 } }] }],
    });
    expect(mapped.skipped).toEqual([]);
    expect(mapped.events[0]).toMatchObject({ kind: 'delivery', timestamp: 4000, watermark: 4000, receiptMids: ['m_a'] });
  });

  it("should skip an item addressed to another Page than the entry's (and an echo sent by another Page)", () => {
    const mapped = mapMessengerWebhook({
      object: 'page',
      entry: [
        {
          id: PAGE,
          messaging: [
            { sender: { id: '42' }, recipient: { id: '999' }, timestamp: 1, message: { mid: 'm1', text: 'hi' } },
            { sender: { id: '999' }, recipient: { id: '42' }, timestamp: 1, message: { mid: 'm2', text: 'hi', is_echo: true } },
            { sender: { id: '42' }, recipient: { id: PAGE }, timestamp: 1, message: { mid: 'm3', text: 'hi' } },
          ],
        },
      ],
    });
    expect(mapped.events.map((e) => e.mid)).toEqual(['m3']);
    expect(mapped.skipped).toEqual([
      { reason: "recipient 999 is not the entry's Page", pageId: PAGE },
      { reason: "sender 999 is not the entry's Page", pageId: PAGE },
    ]);
  });
});
