import { decideMessagingWindow, HOUR_MS } from './messaging-window';

const now = 1_800_000_000_000;

describe('decideMessagingWindow', () => {
  it('should send anything as RESPONSE within 24 h, up to the edge', () => {
    expect(decideMessagingWindow('bot', now - 23 * HOUR_MS, now, true)).toEqual({ allowed: true, messagingType: 'RESPONSE' });
    expect(decideMessagingWindow('bot', now - 24 * HOUR_MS, now, true)).toEqual({ allowed: true, messagingType: 'RESPONSE' });
  });

  it('should tag an agent reply after 24 h with HUMAN_AGENT', () => {
    expect(decideMessagingWindow('agent', now - 30 * HOUR_MS, now, true)).toEqual({
      allowed: true,
      messagingType: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
    });
    expect(decideMessagingWindow('agent', now - 7 * 24 * HOUR_MS, now, true)).toMatchObject({ allowed: true, tag: 'HUMAN_AGENT' });
  });

  it('should refuse bot and system messages after 24 h, saying why', () => {
    expect(decideMessagingWindow('bot', now - 24 * HOUR_MS - 1, now, true)).toEqual({
      allowed: false,
      reason: expect.stringContaining('only a human agent may answer'),
    });
    expect(decideMessagingWindow('system', now - 30 * HOUR_MS, now, true)).toMatchObject({ allowed: false });
  });

  it('should refuse an agent reply after 24 h when the HUMAN_AGENT tag is switched off', () => {
    expect(decideMessagingWindow('agent', now - 30 * HOUR_MS, now, false)).toEqual({
      allowed: false,
      reason: expect.stringContaining('HUMAN_AGENT tag is switched off'),
    });
  });

  it('should refuse everything after 7 days', () => {
    expect(decideMessagingWindow('agent', now - 7 * 24 * HOUR_MS - 1, now, true)).toEqual({
      allowed: false,
      reason: expect.stringContaining('more than 7 days'),
    });
    expect(decideMessagingWindow('agent', now - 8 * 24 * HOUR_MS, now, true)).toMatchObject({ allowed: false });
  });

  it('should refuse when the customer never wrote', () => {
    expect(decideMessagingWindow('agent', null, now, true)).toMatchObject({ allowed: false });
  });

  describe('ad-originated threads (up to 7 days from the first message after an ad click)', () => {
    it('should let the bot answer 3 days after an ad-originated first message, untagged', () => {
      const adMessage = now - 3 * 24 * HOUR_MS;
      expect(decideMessagingWindow('bot', adMessage, now, false, adMessage)).toEqual({ allowed: true, messagingType: 'RESPONSE' });
    });

    it('should refuse the same bot reply for an organic thread', () => {
      expect(decideMessagingWindow('bot', now - 3 * 24 * HOUR_MS, now, false, null)).toMatchObject({ allowed: false });
    });

    it('should count the 7 days from the ad message, not from later messages', () => {
      const adMessage = now - 7 * 24 * HOUR_MS - 1;
      expect(decideMessagingWindow('bot', now - 2 * 24 * HOUR_MS, now, false, adMessage)).toMatchObject({ allowed: false });
      expect(decideMessagingWindow('bot', now - 2 * 24 * HOUR_MS, now, false, adMessage + 2)).toMatchObject({ allowed: true });
    });
  });
});
