import { CHANNELS, Extends } from '@app/core';
import type { ChannelId, CustomerProfile, OutboundMessage, OutboundSender, OutboundTarget, SenderAction } from '@app/core';

/**
 * A channel that only records what ccm asked of it (sends and sender actions), for unit specs of the
 * core; the real channels are exercised against the Graph API double.
 */
@Extends(CHANNELS)
export class RecordingChannel implements OutboundSender {
  readonly sent: { target: OutboundTarget; message: OutboundMessage }[] = [];
  readonly actions: { target: OutboundTarget; action: SenderAction }[] = [];
  profile?: CustomerProfile;

  constructor(readonly channel: ChannelId = 'messenger') {}

  async send(target: OutboundTarget, message: OutboundMessage): Promise<{ mid?: string }> {
    this.sent.push({ target, message });
    return { mid: `m_${this.sent.length}` };
  }

  async senderAction(target: OutboundTarget, action: SenderAction): Promise<void> {
    this.actions.push({ target, action });
  }

  async fetchProfile(): Promise<CustomerProfile | undefined> {
    return this.profile;
  }
}
