import { Injectable, Logger } from '@nestjs/common';
import { Clock, CustomerProfile, Extends } from '@app/core';
import { ConversationRow, PersistenceService } from '@app/persistence';
import { ChannelRegistry } from './channel-registry.service';
import { CONVERSATION_HOOKS, ConversationHooks } from './conversation-hooks';
import { ConversationUnit } from './conversation-unit';
import { targetOf } from './outbox-dispatcher.service';

const PROFILE_TTL_MS = 24 * 60 * 60 * 1000;

/** A stored profile is fetched again when missing, a day old, past its own expiry, or unreadable. */
export function profileIsStale(conversation: Pick<ConversationRow, 'customer_profile' | 'profile_fetched_at'>, now: number): boolean {
  if (conversation.profile_fetched_at === null) return true;
  if (now - conversation.profile_fetched_at > PROFILE_TTL_MS) return true;
  let profile: CustomerProfile | null;
  try {
    profile = conversation.customer_profile ? (JSON.parse(conversation.customer_profile) as CustomerProfile | null) : null;
  } catch {
    return true; // unreadable: fetch a proper one
  }
  return typeof profile?.expiresAt === 'number' && profile.expiresAt <= now;
}

/**
 * The customer's name and picture for agents, from their channel (`fetchProfile`): fetched after a
 * customer's message is stored when the cached profile is stale. After the commit and best effort: a
 * failure never blocks anything.
 */
@Injectable()
@Extends(CONVERSATION_HOOKS)
export class ProfileRefresh implements ConversationHooks {
  private readonly logger = new Logger(ProfileRefresh.name);

  constructor(
    private readonly channels: ChannelRegistry,
    private readonly persistence: PersistenceService,
    private readonly clock: Clock,
  ) {}

  async customerMessageStored(unit: ConversationUnit, conversation: ConversationRow): Promise<void> {
    if (!profileIsStale(conversation, unit.now)) return;
    const sender = this.channels.sender(conversation.channel);
    if (!sender.fetchProfile) return;
    unit.afterCommit(async () => {
      try {
        const profile = await sender.fetchProfile?.(targetOf(conversation));
        await this.persistence.repos.conversations.update(conversation.id, {
          customer_profile: profile ? JSON.stringify(profile) : conversation.customer_profile,
          profile_fetched_at: this.clock.now(),
        });
      } catch (error) {
        this.logger.debug(`profile refresh failed for ${conversation.id}: ${String(error)}`);
      }
    });
  }
}
