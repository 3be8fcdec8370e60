import { asksForPerson, decideRoute, RouteInput } from './routing-policy';

const hi = { kind: 'text' as const, text: 'Hi!' };
const sorry = { kind: 'text' as const, text: 'Sorry?' };
const base: RouteInput = {
  policy: 'DEFAULT',
  threshold: 0.6,
  intent: 'greeting',
  confidence: 0.9,
  handoverRequested: false,
  answer: [hi],
  fallback: [sorry],
};

describe('decideRoute', () => {
  it('DEFAULT: should let a confident bot answer', () => {
    expect(decideRoute(base)).toEqual({ action: 'reply', messages: [hi], reason: 'intent greeting', lowConfidenceStreak: 0 });
  });

  it('DEFAULT: should hand over below the threshold, saying why', () => {
    expect(decideRoute({ ...base, confidence: 0.41 })).toEqual({
      action: 'handover',
      messages: [],
      reason: 'low confidence 0.41 < 0.60',
      lowConfidenceStreak: 0,
    });
  });

  it('DEFAULT: should treat confidence exactly at the threshold as confident', () => {
    expect(decideRoute({ ...base, confidence: 0.6 }).action).toBe('reply');
  });

  it('DEFAULT: should hand over when nothing was recognised', () => {
    expect(decideRoute({ ...base, intent: undefined, confidence: 0, answer: [] }).action).toBe('handover');
  });

  it('DEFAULT: should hand over when the customer asks for a person, even if the bot is confident', () => {
    expect(decideRoute({ ...base, customerAskedForPerson: true })).toMatchObject({
      action: 'handover',
      reason: 'customer asked for a person',
    });
  });

  it('DEFAULT: should hand over when the bot asks for it', () => {
    expect(decideRoute({ ...base, intent: 'human', handoverRequested: true })).toMatchObject({
      action: 'handover',
      reason: 'bot requested hand-over (intent human)',
    });
  });

  it('DEFAULT with N=3: should answer with the fallback for two low-confidence turns and hand over on the third', () => {
    const low = { ...base, confidence: 0.2, lowConfidenceTurns: 3 };
    expect(decideRoute({ ...low, lowConfidenceStreak: 0 })).toMatchObject({ action: 'reply', messages: [sorry], lowConfidenceStreak: 1 });
    expect(decideRoute({ ...low, lowConfidenceStreak: 1 })).toMatchObject({ action: 'reply', messages: [sorry], lowConfidenceStreak: 2 });
    expect(decideRoute({ ...low, lowConfidenceStreak: 2 })).toMatchObject({
      action: 'handover',
      reason: 'low confidence 0.20 < 0.60 (3 turns in a row)',
      lowConfidenceStreak: 0,
    });
  });

  it('DEFAULT: a confident turn resets the low-confidence streak', () => {
    expect(decideRoute({ ...base, lowConfidenceStreak: 2, lowConfidenceTurns: 3 })).toMatchObject({
      action: 'reply',
      lowConfidenceStreak: 0,
    });
  });

  it('BOT_ONLY: should answer with the fallback below the threshold and never hand over', () => {
    expect(decideRoute({ ...base, policy: 'BOT_ONLY', confidence: 0.2 })).toMatchObject({ action: 'reply', messages: [sorry] });
    expect(decideRoute({ ...base, policy: 'BOT_ONLY', intent: 'human', handoverRequested: true })).toMatchObject({
      action: 'reply',
      messages: [sorry],
    });
    expect(decideRoute({ ...base, policy: 'BOT_ONLY', customerAskedForPerson: true })).toMatchObject({
      action: 'reply',
      messages: [sorry],
      reason: 'customer asked for a person, BOT_ONLY: fallback',
    });
  });

  it('BOT_ONLY: should let a confident bot answer', () => {
    expect(decideRoute({ ...base, policy: 'BOT_ONLY' })).toMatchObject({ action: 'reply', messages: [hi] });
  });

  it('AGENT_ONLY: should hand every turn to an agent, even a confident one', () => {
    expect(decideRoute({ ...base, policy: 'AGENT_ONLY' })).toEqual({
      action: 'handover',
      messages: [],
      reason: 'AGENT_ONLY: every conversation goes to an agent',
      lowConfidenceStreak: 0,
    });
  });
});

describe('asksForPerson', () => {
  const phrases = ['agent', 'human', 'talk to a person'];
  it.each([
    ['Agent!', true],
    ['can I talk to a person?', true],
    ['HUMAN please', true],
    ['Ich möchte einen Human', true],
    ['my travel agency', false],
    ['humanity', false],
    ['where is my order', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(asksForPerson(text, undefined, phrases, 'HUMAN_AGENT')).toBe(expected);
  });

  it('should recognise the hand-over payload', () => {
    expect(asksForPerson('Talk to us', 'HUMAN_AGENT', phrases, 'HUMAN_AGENT')).toBe(true);
    expect(asksForPerson('Talk to us', 'OTHER', phrases, 'HUMAN_AGENT')).toBe(false);
  });
});
