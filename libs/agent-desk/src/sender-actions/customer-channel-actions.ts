import { Injectable } from '@nestjs/common';
import { CustomerProfile } from '@app/core';
import { ChannelRegistry, targetOf } from '@app/conversations';
import { ConversationRow } from '@app/persistence';

export type { CustomerProfile } from '@app/core';

/**
 * What the desk asks of the customer's channel besides messages: typing indicators, read markers and
 * the customer's public profile. Delegates to whichever channel module owns the conversation, through
 * the channel registry. Best effort: never throws, so a failing indicator never blocks a reply.
 */
@Injectable()
export class CustomerChannelActions {
  constructor(private readonly channels: ChannelRegistry) {}

  async typing(conversation: ConversationRow, on: boolean): Promise<void> {
    await this.channels
      .sender(conversation.channel)
      .senderAction?.(targetOf(conversation), on ? 'typing_on' : 'typing_off')
      .catch(() => undefined);
  }

  async markSeen(conversation: ConversationRow): Promise<void> {
    await this.channels
      .sender(conversation.channel)
      .senderAction?.(targetOf(conversation), 'mark_seen')
      .catch(() => undefined);
  }

  async profile(conversation: ConversationRow): Promise<CustomerProfile | undefined> {
    return this.channels
      .sender(conversation.channel)
      .fetchProfile?.(targetOf(conversation))
      .catch(() => undefined);
  }
}

/** The stored profile JSON (`CustomerProfile`), read defensively. */
export function parseStoredProfile(json: string | null): CustomerProfile | undefined {
  if (!json) return undefined;
  try {
    const raw = JSON.parse(json) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    return { firstName: str(raw.firstName), lastName: str(raw.lastName), pictureUrl: str(raw.pictureUrl), locale: str(raw.locale) };
  } catch {
    return undefined;
  }
}
