import { Injectable } from '@nestjs/common';
import { ChannelId, ExtensionPoint, Extensions, InboundEvent, InboundEventKind } from '@app/core';
import { ConversationRow } from '@app/persistence';
import { ConversationUnit } from './conversation-unit';

/**
 * Applies one kind of inbound event to its conversation, inside the unit of work that also marks
 * the journal row done: every write an event causes commits together, so a crash or a redelivery
 * never repeats an effect.
 */
export interface ConversationEventApplier<Prepared = unknown> {
  readonly scope: 'conversation';
  /** The event kinds this applier takes; `*` = any kind no other applier takes. */
  readonly kinds: readonly (InboundEventKind | '*')[];
  /** Only events of this channel (a channel's own applier wins over a channel-neutral one). */
  readonly channel?: ChannelId;
  /** Slow, side-effect-free work done before the transaction (e.g. asking the bot). */
  prepare?(event: InboundEvent, conversation: ConversationRow): Promise<Prepared>;
  apply(unit: ConversationUnit, event: InboundEvent, conversation: ConversationRow, prepared: Prepared): Promise<void>;
}

/** Applies an event that belongs to a Page, not to a conversation (e.g. Meta blocking the Page). */
export interface PageEventApplier {
  readonly scope: 'page';
  readonly kinds: readonly (InboundEventKind | '*')[];
  readonly channel?: ChannelId;
  apply(unit: ConversationUnit, event: InboundEvent): Promise<void>;
}

export type InboundEventApplier = ConversationEventApplier | PageEventApplier;

/** Where appliers plug in: `@Extends(INBOUND_APPLIERS)` on a provider. */
export const INBOUND_APPLIERS = new ExtensionPoint<InboundEventApplier>('inbound-appliers');

/**
 * Picks the applier of an event: the channel's own applier for that kind, else the channel-neutral
 * one for that kind, else the catch-all (`*`) of the channel, else the neutral catch-all.
 */
@Injectable()
export class InboundAppliers {
  constructor(private readonly extensions: Extensions) {}

  forConversation(event: InboundEvent): ConversationEventApplier {
    return this.pick('conversation', event) as ConversationEventApplier;
  }

  forPage(event: InboundEvent): PageEventApplier {
    return this.pick('page', event) as PageEventApplier;
  }

  private pick(scope: InboundEventApplier['scope'], event: InboundEvent): InboundEventApplier {
    const candidates = this.extensions.get(INBOUND_APPLIERS).filter((a) => a.scope === scope);
    const match = (channel: ChannelId | undefined, kind: InboundEventKind | '*') =>
      candidates.find((a) => a.channel === channel && a.kinds.includes(kind));
    const applier = match(event.channel, event.kind) ?? match(undefined, event.kind) ?? match(event.channel, '*') ?? match(undefined, '*');
    if (!applier) throw new Error(`no ${scope} applier for ${event.channel} ${event.kind} events`);
    return applier;
  }
}

/** A short description of an event for the audit trail. */
export function describeEvent(event: InboundEvent): string {
  const parts: string[] = [event.kind];
  if (event.payload) parts.push(event.payload);
  if (event.mid) parts.push(`mid ${event.mid}`);
  return parts.join(': ');
}
