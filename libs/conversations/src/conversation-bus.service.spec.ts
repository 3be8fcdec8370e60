import { Logger } from '@nestjs/common';
import { ConversationBus, ConversationBusEvent } from './conversation-bus.service';

const event: ConversationBusEvent = { type: 'customer.activity', conversationId: 'c1', kind: 'typing' };

describe('ConversationBus', () => {
  it('should call every listener after the publisher’s code, in order, whatever one of them throws or rejects', async () => {
    const bus = new ConversationBus();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const calls: string[] = [];
      bus.subscribe(() => void calls.push('first'));
      bus.subscribe(() => {
        calls.push('throws');
        throw new Error('sync failure');
      });
      bus.subscribe(async () => {
        calls.push('rejects');
        await Promise.resolve();
        throw new Error('async failure');
      });
      const unsubscribe = bus.subscribe(() => void calls.push('gone'));
      bus.subscribe((e) => void calls.push(`last ${e.type}`));
      unsubscribe();
      bus.publish(event);
      calls.push('publisher');
      for (let i = 0; i < 5; i++) await Promise.resolve();
      expect(calls).toEqual(['publisher', 'first', 'throws', 'rejects', 'last customer.activity']);
      expect(warn.mock.calls.map(([line]) => line)).toEqual([
        'listener failed on customer.activity: sync failure',
        'listener failed on customer.activity: async failure',
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it('should reach the listeners subscribed when the event was published, not those of the microtask', async () => {
    const bus = new ConversationBus();
    const got: string[] = [];
    const off = bus.subscribe((e) => void got.push(`early ${e.type}`));
    bus.publish(event);
    off();
    bus.subscribe((e) => void got.push(`late ${e.type}`));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(got).toEqual(['early customer.activity']);
  });

  it('should not take a listener that returns a value other than a promise for a failed one', async () => {
    const bus = new ConversationBus();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const seen = new Set<string>();
      // An expression body returning Set.add's value (the set) fits `void | Promise<void>`.
      bus.subscribe((e) => seen.add(e.conversationId) as unknown as void);
      bus.publish(event);
      for (let i = 0; i < 5; i++) await Promise.resolve();
      expect([...seen]).toEqual(['c1']);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
