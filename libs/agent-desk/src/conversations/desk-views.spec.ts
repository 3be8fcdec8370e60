import { previewOf, replyWindowState } from './desk-views';
import { csatRating } from './csat';

const HOUR = 3600_000;
const MESSENGER = { standardMs: 24 * HOUR, humanAgentMs: 7 * 24 * HOUR, adsMs: 7 * 24 * HOUR };

describe(replyWindowState.name, () => {
  const now = 1_000 * HOUR;

  it('should be open inside 24 hours and say until when', () => {
    expect(replyWindowState(now - 2 * HOUR, MESSENGER, now)).toEqual({ state: 'open', until: now + 22 * HOUR });
  });

  it('should allow HUMAN_AGENT replies until day 7 (not "closed")', () => {
    expect(replyWindowState(now - 30 * HOUR, MESSENGER, now)).toEqual({ state: 'human_agent', until: now - 30 * HOUR + 7 * 24 * HOUR });
  });

  it('should be closed after day 7, after 24 h without the tag, and before the customer ever wrote, and say why', () => {
    expect(replyWindowState(now - 8 * 24 * HOUR, MESSENGER, now)).toMatchObject({
      state: 'closed',
      reason: expect.stringContaining('7 days'),
    });
    expect(replyWindowState(now - 30 * HOUR, { standardMs: 24 * HOUR }, now)).toMatchObject({
      state: 'closed',
      reason: expect.stringContaining('HUMAN_AGENT'),
    });
    expect(replyWindowState(null, MESSENGER, now)).toMatchObject({ state: 'closed', reason: expect.stringContaining('never written') });
  });

  it('should stay open for 7 days after a first message that followed an ad (Meta policy 2026-09-28), as the sender decides', () => {
    const adMessageAt = now - 3 * 24 * HOUR;
    expect(replyWindowState(adMessageAt, MESSENGER, now, adMessageAt)).toEqual({ state: 'open', until: adMessageAt + 7 * 24 * HOUR });
    expect(replyWindowState(adMessageAt, { standardMs: 24 * HOUR, adsMs: 7 * 24 * HOUR }, now, adMessageAt).state).toBe('open');
    expect(replyWindowState(now - 8 * 24 * HOUR, MESSENGER, now, now - 8 * 24 * HOUR).state).toBe('closed');
  });

  it('should report no window for channels without one (comment threads)', () => {
    expect(replyWindowState(now - 30 * 24 * HOUR, undefined, now)).toEqual({ state: 'none', until: null });
  });
});

describe(previewOf.name, () => {
  it('should describe what has no text', () => {
    expect(previewOf({ text: 'hi', content: null })).toBe('hi');
    expect(previewOf({ text: null, content: JSON.stringify({ kind: 'carousel', cards: [{}, {}] }) })).toBe('Carousel (2 cards)');
    expect(previewOf({ text: null, content: JSON.stringify({ attachments: [{ type: 'image' }, { type: 'file' }] }) })).toBe(
      '[image, file]',
    );
    expect(previewOf({ text: null, content: JSON.stringify({ kind: 'buttons', text: 'Pick one' }) })).toBe('Pick one');
  });
});

describe(csatRating.name, () => {
  it('should read the quick reply payload or a typed digit, and nothing else', () => {
    expect(csatRating({ payload: 'CSAT_4' })).toBe(4);
    expect(csatRating({ text: ' 5 ' })).toBe(5);
    expect(csatRating({ payload: 'CSAT_9', text: 'great' })).toBeUndefined();
    expect(csatRating({ text: '15 stars' })).toBeUndefined();
  });
});
