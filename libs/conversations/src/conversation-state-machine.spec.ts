import { allTransitions, transition } from './conversation-state-machine';

describe('conversation state machine', () => {
  it.each([
    ['BOT', 'handover', 'QUEUED'],
    ['BOT', 'close', 'CLOSED'],
    ['BOT', 'customer_message', 'BOT'],
    ['QUEUED', 'assign', 'AGENT'],
    ['QUEUED', 'close', 'CLOSED'],
    ['QUEUED', 'return_to_bot', 'BOT'],
    ['QUEUED', 'customer_message', 'QUEUED'],
    ['QUEUED', 'transfer_to_queue', 'QUEUED'],
    ['AGENT', 'transfer_to_agent', 'AGENT'],
    ['AGENT', 'transfer_to_queue', 'QUEUED'],
    ['AGENT', 'close', 'CLOSED'],
    ['AGENT', 'return_to_bot', 'BOT'],
    ['AGENT', 'customer_message', 'AGENT'],
    ['CLOSED', 'customer_message', 'BOT'],
  ] as const)('should allow %s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toEqual({ ok: true, to });
  });

  it.each([
    ['BOT', 'assign'],
    ['BOT', 'transfer_to_agent'],
    ['BOT', 'transfer_to_queue'],
    ['BOT', 'return_to_bot'],
    ['QUEUED', 'handover'],
    ['QUEUED', 'transfer_to_agent'],
    ['AGENT', 'handover'],
    ['AGENT', 'assign'],
    ['CLOSED', 'handover'],
    ['CLOSED', 'assign'],
    ['CLOSED', 'transfer_to_agent'],
    ['CLOSED', 'transfer_to_queue'],
    ['CLOSED', 'close'],
    ['CLOSED', 'return_to_bot'],
  ] as const)('should refuse %s --%s--> with a reason', (from, action) => {
    const result = transition(from, action);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ reason: expect.stringContaining(`in state ${from}`) });
  });

  it('should have every pair covered by exactly one of the two lists above', () => {
    expect(allTransitions()).toHaveLength(28);
    expect(allTransitions().filter((t) => t.to !== undefined)).toHaveLength(14);
  });
});
