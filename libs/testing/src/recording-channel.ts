import { CHANNELS, Extends } from '@app/core';
import type { ChannelId, CustomerProfile, OutboundMessage, OutboundSender, OutboundTarget, SenderAction } from '@app/core';

/**
 * A channel that only records what ccm asked of it (sends and sender actions), for unit specs of the
 * core; the real channels are exercised against the Graph API double. Sender actions may be made
 * slow (`actionDelayMs`, like a round trip to Meta) or refused (`failActions`).
 */
@Extends(CHANNELS)
export class RecordingChannel implements OutboundSender {
  readonly sent: { target: OutboundTarget; message: OutboundMessage }[] = [];
  /** Sender actions as asked (when the call started). */
  readonly actions: { target: OutboundTarget; action: SenderAction }[] = [];
  /** Sender actions that went through (when the call finished). */
  readonly completedActions: SenderAction[] = [];
  profile?: CustomerProfile;
  actionDelayMs = 0;
  failActions = false;
  /** Errors the next sends fail with, in order (e.g. a transient `DeliveryError`); then sends succeed. */
  readonly failNextSends: Error[] = [];

  constructor(readonly channel: ChannelId = 'messenger') {}

  async send(target: OutboundTarget, message: OutboundMessage): Promise<{ mid?: string }> {
    const failure = this.failNextSends.shift();
    if (failure) throw failure;
    this.sent.push({ target, message });
    return { mid: `m_${this.sent.length}` };
  }

  async senderAction(target: OutboundTarget, action: SenderAction): Promise<void> {
    this.actions.push({ target, action });
    if (this.actionDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.actionDelayMs));
    if (this.failActions) throw new Error(`the channel refused ${action}`);
    this.completedActions.push(action);
  }

  async fetchProfile(): Promise<CustomerProfile | undefined> {
    return this.profile;
  }
}
