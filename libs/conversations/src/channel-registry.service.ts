import { Injectable } from '@nestjs/common';
import { ChannelId, OutboundSender } from '@app/core';

/**
 * Channel modules register their sender here when they start, so the core never names a channel:
 * adding a channel adds a module, not a case in a switch.
 */
@Injectable()
export class ChannelRegistry {
  private readonly senders = new Map<string, OutboundSender>();

  register(sender: OutboundSender): void {
    if (this.senders.has(sender.channel)) throw new Error(`channel ${sender.channel} registered twice`);
    this.senders.set(sender.channel, sender);
  }

  sender(channel: ChannelId): OutboundSender {
    const sender = this.senders.get(channel);
    if (!sender) throw new Error(`no channel module registered for ${channel}`);
    return sender;
  }

  channels(): string[] {
    return [...this.senders.keys()];
  }
}
