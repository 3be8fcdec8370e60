import { botDisclosureDue } from './bot-disclosure';

describe(botDisclosureDue.name, () => {
  it('should be due on first contact', () => {
    expect(botDisclosureDue({ bot_disclosed_at: null, queued_at: null })).toBe(true);
  });

  it('should not repeat while the bot keeps the conversation', () => {
    expect(botDisclosureDue({ bot_disclosed_at: 1_000, queued_at: null })).toBe(false);
    expect(botDisclosureDue({ bot_disclosed_at: 1_000, queued_at: 500 })).toBe(false);
  });

  it('should be due again once people had the conversation after the last disclosure', () => {
    expect(botDisclosureDue({ bot_disclosed_at: 1_000, queued_at: 2_000 })).toBe(true);
  });
});
