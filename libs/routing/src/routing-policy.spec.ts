import { decideRoute, RouteInput } from './routing-policy';

const base: RouteInput = {
  policy: 'DEFAULT', threshold: 0.6, intent: 'greeting', confidence: 0.9, handoverRequested: false,
  answer: [{ kind: 'text', text: 'Hi!' }], fallback: [{ kind: 'text', text: 'Sorry?' }],
};

describe('decideRoute', () => {
  it('DEFAULT: should let a confident bot answer', () => {
    expect(decideRoute(base)).toEqual({ action: 'reply', messages: [{ kind: 'text', text: 'Hi!' }], reason: 'intent greeting' });
  });

  it('DEFAULT: should hand over below the threshold, saying why', () => {
    expect(decideRoute({ ...base, confidence: 0.41 })).toEqual({ action: 'handover', messages: [], reason: 'low confidence 0.41 < 0.60' });
  });

  it('DEFAULT: should treat confidence exactly at the threshold as confident', () => {
    expect(decideRoute({ ...base, confidence: 0.6 }).action).toBe('reply');
  });

  it('DEFAULT: should hand over when nothing was recognised', () => {
    expect(decideRoute({ ...base, intent: undefined, confidence: 0, answer: [] }).action).toBe('handover');
  });

  it('DEFAULT: should hand over when the customer asks for a person', () => {
    expect(decideRoute({ ...base, intent: 'human', handoverRequested: true })).toMatchObject({ action: 'handover', reason: 'customer asked for a person' });
  });

  it('BOT_ONLY: should answer with the fallback below the threshold and never hand over', () => {
    expect(decideRoute({ ...base, policy: 'BOT_ONLY', confidence: 0.2 })).toMatchObject({ action: 'reply', messages: [{ kind: 'text', text: 'Sorry?' }] });
    expect(decideRoute({ ...base, policy: 'BOT_ONLY', intent: 'human', handoverRequested: true })).toMatchObject({ action: 'reply', messages: [{ kind: 'text', text: 'Sorry?' }] });
  });

  it('BOT_ONLY: should let a confident bot answer', () => {
    expect(decideRoute({ ...base, policy: 'BOT_ONLY' })).toMatchObject({ action: 'reply', messages: [{ kind: 'text', text: 'Hi!' }] });
  });

  it('AGENT_ONLY: should hand every turn to an agent, even a confident one', () => {
    expect(decideRoute({ ...base, policy: 'AGENT_ONLY' })).toEqual({ action: 'handover', messages: [], reason: 'AGENT_ONLY: every conversation goes to an agent' });
  });
});
