import { Injectable } from '@nestjs/common';
import { ChannelAdapter, ChannelDescriptor, ChannelId, CHANNELS, Extensions, OutboundSender } from '@app/core';

/**
 * The channels this app runs, as the core sees them: every provider marked `@Extends(CHANNELS)`. The
 * webhook asks every adapter which entries it claims, the outbox asks for the conversation's sender,
 * the desk for its descriptor and actions. Adding a channel adds a module, not a case in a switch.
 */
@Injectable()
export class ChannelRegistry {
  private byId?: Map<string, OutboundSender | ChannelAdapter>;

  constructor(private readonly extensions: Extensions) {}

  sender(channel: ChannelId): OutboundSender {
    const sender = this.all().get(channel);
    if (!sender) throw new Error(`no channel module registered for ${channel}`);
    return sender;
  }

  /** The full adapter of a channel, when the channel has one (not just a sender). */
  adapter(channel: ChannelId): ChannelAdapter | undefined {
    const sender = this.all().get(channel);
    return sender && isAdapter(sender) ? sender : undefined;
  }

  /** Every adapter, in module order. */
  adapters(): ChannelAdapter[] {
    return [...this.all().values()].filter(isAdapter);
  }

  descriptors(): ChannelDescriptor[] {
    return this.adapters().map((a) => a.descriptor);
  }

  channels(): string[] {
    return [...this.all().keys()];
  }

  private all(): Map<string, OutboundSender | ChannelAdapter> {
    if (!this.byId) {
      const byId = new Map<string, OutboundSender | ChannelAdapter>();
      for (const sender of this.extensions.get(CHANNELS)) {
        if (byId.has(sender.channel)) throw new Error(`channel ${sender.channel} provided twice`);
        byId.set(sender.channel, sender);
      }
      this.byId = byId;
    }
    return this.byId;
  }
}

function isAdapter(sender: OutboundSender | ChannelAdapter): sender is ChannelAdapter {
  return 'descriptor' in sender && sender.descriptor !== undefined;
}
