import { Injectable } from '@nestjs/common';
import { ChannelAdapter, ChannelDescriptor, ChannelId, InboundEvent, OutboundSender } from '@app/core';
import { ConversationRow, Repositories } from '@app/persistence';

/**
 * Applies a `channel_event` (something only its channel understands, e.g. a comment hidden) inside
 * the transaction of the conversation handler, so its writes commit with the journal mark.
 */
export interface ChannelEventApplier {
  apply(repos: Repositories, conversation: ConversationRow, event: InboundEvent, now: number): Promise<ChannelEventOutcome>;
}

/** What the handler records in the audit trail for an applied channel event. */
export interface ChannelEventOutcome {
  type: string;
  reason: string;
}

/**
 * Channel modules register their adapter (or a bare sender) here when they start, so the core never
 * names a channel: the webhook asks every registered adapter which entries it claims, the outbox
 * asks for the conversation's sender, the desk for its descriptor and actions. Adding a channel adds
 * a module, not a case in a switch.
 */
@Injectable()
export class ChannelRegistry {
  private readonly senders = new Map<string, OutboundSender | ChannelAdapter>();
  private readonly appliers = new Map<string, ChannelEventApplier>();

  register(sender: OutboundSender | ChannelAdapter): void {
    if (this.senders.has(sender.channel)) throw new Error(`channel ${sender.channel} registered twice`);
    this.senders.set(sender.channel, sender);
  }

  /** How `channel_event`s of this channel are applied (optional: without one they are only recorded). */
  registerEventApplier(channel: ChannelId, applier: ChannelEventApplier): void {
    if (this.appliers.has(channel)) throw new Error(`event applier for ${channel} registered twice`);
    this.appliers.set(channel, applier);
  }

  sender(channel: ChannelId): OutboundSender {
    const sender = this.senders.get(channel);
    if (!sender) throw new Error(`no channel module registered for ${channel}`);
    return sender;
  }

  /** The full adapter of a channel, when the channel registered one (not just a sender). */
  adapter(channel: ChannelId): ChannelAdapter | undefined {
    const sender = this.senders.get(channel);
    return sender && isAdapter(sender) ? sender : undefined;
  }

  /** Every registered adapter, in registration order (module import order). */
  adapters(): ChannelAdapter[] {
    return [...this.senders.values()].filter(isAdapter);
  }

  descriptors(): ChannelDescriptor[] {
    return this.adapters().map((a) => a.descriptor);
  }

  eventApplier(channel: ChannelId): ChannelEventApplier | undefined {
    return this.appliers.get(channel);
  }

  channels(): string[] {
    return [...this.senders.keys()];
  }
}

function isAdapter(sender: OutboundSender | ChannelAdapter): sender is ChannelAdapter {
  return 'descriptor' in sender && sender.descriptor !== undefined;
}
