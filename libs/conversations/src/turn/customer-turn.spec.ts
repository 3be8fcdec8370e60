import { BotReply } from '@app/bot';
import { decideTurn, NO_BOT_REPLY, TurnInput } from './customer-turn';

const answer = (text: string, confidence = 0.9): BotReply => ({
  intent: 'hours',
  confidence,
  answer: [{ kind: 'text', text }],
  fallback: [{ kind: 'text', text: 'Sorry?' }],
  handoverRequested: false,
});

const input = (over: Partial<TurnInput> = {}): TurnInput => ({
  state: 'BOT',
  lowConfidenceStreak: 0,
  settings: { policy: 'DEFAULT', threshold: 0.6, lowConfidenceTurns: 1 },
  customerAskedForPerson: false,
  bot: answer('We open at 9.'),
  noAgentFallback: 'queue',
  agentAvailability: undefined,
  texts: { error: 'Something went wrong.', noAgent: 'Nobody is here right now.' },
  ...over,
});

describe('decideTurn', () => {
  it("should send a confident bot's answer and nothing else", () => {
    expect(decideTurn(input())).toEqual({ steps: [{ kind: 'say', author: 'bot', content: { kind: 'text', text: 'We open at 9.' } }] });
  });

  it('should hand a low-confidence turn over with the bot’s guess, telling the customer', () => {
    const plan = decideTurn(input({ bot: answer('Maybe?', 0.2) }));
    expect(plan.steps).toEqual([
      {
        kind: 'hand_over',
        reason: expect.stringContaining('low confidence 0.20'),
        bot: { intent: 'hours', confidence: 0.2 },
        notify: true,
      },
    ]);
  });

  it('should count low-confidence turns and answer with the fallback until the streak is long enough', () => {
    const settings = { policy: 'DEFAULT' as const, threshold: 0.6, lowConfidenceTurns: 2 };
    expect(decideTurn(input({ settings, bot: answer('Maybe?', 0.2) })).steps).toEqual([
      { kind: 'set_low_confidence_streak', value: 1 },
      { kind: 'say', author: 'bot', content: { kind: 'text', text: 'Sorry?' } },
    ]);
    expect(decideTurn(input({ settings, lowConfidenceStreak: 1, bot: answer('Maybe?', 0.2) })).steps.map((s) => s.kind)).toEqual([
      'set_low_confidence_streak',
      'hand_over',
    ]);
  });

  it('should reopen a closed conversation to the bot before answering', () => {
    expect(decideTurn(input({ state: 'CLOSED' })).steps.map((s) => s.kind)).toEqual(['reopen', 'say']);
    expect(decideTurn(input({ state: 'CLOSED' })).steps[0]).toEqual({ kind: 'reopen', from: 'CLOSED', to: 'BOT' });
  });

  it('should apologise and hand over when the bot failed, but only apologise under BOT_ONLY', () => {
    const failed = decideTurn(input({ bot: new Error('timeout after 5000 ms') }));
    expect(failed).toEqual({
      botFailure: 'timeout after 5000 ms',
      steps: [
        { kind: 'say', author: 'system', content: { kind: 'text', text: 'Something went wrong.' } },
        { kind: 'hand_over', reason: 'bot failed: timeout after 5000 ms', notify: false },
      ],
    });
    const botOnly = decideTurn(input({ bot: new Error('down'), settings: { policy: 'BOT_ONLY', threshold: 0.6, lowConfidenceTurns: 1 } }));
    expect(botOnly.steps.map((s) => s.kind)).toEqual(['say']);
  });

  it('should send every AGENT_ONLY turn to the queue without a bot', () => {
    const plan = decideTurn(input({ bot: NO_BOT_REPLY, settings: { policy: 'AGENT_ONLY', threshold: 0.6, lowConfidenceTurns: 1 } }));
    expect(plan.steps).toEqual([
      { kind: 'hand_over', reason: expect.stringContaining('AGENT_ONLY'), bot: { intent: undefined, confidence: 0 }, notify: true },
    ]);
  });

  it('should keep the conversation with the bot when nobody can answer and the no-agent fallback is the bot', () => {
    const plan = decideTurn(input({ bot: answer('Maybe?', 0.2), noAgentFallback: 'bot', agentAvailability: 'no_agent' }));
    expect(plan.steps).toEqual([
      { kind: 'say', author: 'system', content: { kind: 'text', text: 'Nobody is here right now.' } },
      { kind: 'say', author: 'bot', content: { kind: 'text', text: 'Sorry?' } },
      { kind: 'record', type: 'handover_declined', reason: expect.stringContaining('no agent available') },
    ]);
    // …but hands over as usual when someone is there.
    expect(
      decideTurn(input({ bot: answer('Maybe?', 0.2), noAgentFallback: 'bot', agentAvailability: 'open' })).steps.map((s) => s.kind),
    ).toEqual(['hand_over']);
  });

  it('should hand over when the customer asks for a person, however sure the bot is', () => {
    expect(decideTurn(input({ customerAskedForPerson: true })).steps).toEqual([
      { kind: 'hand_over', reason: 'customer asked for a person', bot: { intent: 'hours', confidence: 0.9 }, notify: true },
    ]);
  });
});

describe('decideTurn: bot disclosure', () => {
  it('should say it is a bot before its answer when the disclosure is due', () => {
    expect(decideTurn(input({ disclosure: 'I am a bot.' })).steps).toEqual([
      { kind: 'disclose_bot', text: 'I am a bot.' },
      { kind: 'say', author: 'bot', content: { kind: 'text', text: 'We open at 9.' } },
    ]);
  });

  it('should not disclose before a hand-over', () => {
    expect(decideTurn(input({ disclosure: 'I am a bot.', customerAskedForPerson: true })).steps.map((s) => s.kind)).toEqual(['hand_over']);
  });
});
