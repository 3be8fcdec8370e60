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
});
