import { Injectable, Logger } from '@nestjs/common';
import { Clock, Extends } from '@app/core';
import { CONVERSATION_HOOKS, ConversationHooks, ConversationUnit, targetOf } from '@app/conversations';
import { ConversationRow, PersistenceService } from '@app/persistence';
import { MESSENGER_CHANNEL } from './messenger.constants';
import { MessengerSender } from './messenger.sender';

const PROFILE_TTL_MS = 24 * 60 * 60 * 1000;

/** Profile picture URLs carry their expiry (`ext=<unix seconds>`); an expired one must be fetched again. */
export function profileIsStale(conversation: Pick<ConversationRow, 'customer_profile' | 'profile_fetched_at'>, now: number): boolean {
  if (conversation.profile_fetched_at === null) return true;
  if (now - conversation.profile_fetched_at > PROFILE_TTL_MS) return true;
  let ext: number;
  try {
    const picture = conversation.customer_profile
      ? (JSON.parse(conversation.customer_profile) as { pictureUrl?: string }).pictureUrl
      : undefined;
    ext = picture ? Number(new URL(picture).searchParams.get('ext')) : NaN;
  } catch {
    return true; // unreadable profile or not a URL: fetch a proper one
  }
  return Number.isFinite(ext) && ext > 0 && ext * 1000 <= now;
}

/**
 * The customer's name and picture for agents: fetched after a Messenger customer's message is
 * stored when the cached profile is missing, a day old, or its picture URL has expired. After the
 * commit and best effort: a failure never blocks anything.
 */
@Injectable()
@Extends(CONVERSATION_HOOKS)
export class MessengerProfileRefresh implements ConversationHooks {
  private readonly logger = new Logger(MessengerProfileRefresh.name);

  constructor(
    private readonly sender: MessengerSender,
    private readonly persistence: PersistenceService,
    private readonly clock: Clock,
  ) {}

  async customerMessageStored(unit: ConversationUnit, conversation: ConversationRow): Promise<void> {
    if (conversation.channel !== MESSENGER_CHANNEL || !profileIsStale(conversation, unit.now)) return;
    unit.afterCommit(() => this.refresh(conversation));
  }

  private async refresh(conversation: ConversationRow): Promise<void> {
    try {
      const profile = await this.sender.fetchProfile(targetOf(conversation));
      await this.persistence.repos.conversations.update(conversation.id, {
        customer_profile: profile ? JSON.stringify(profile) : conversation.customer_profile,
        profile_fetched_at: this.clock.now(),
      });
    } catch (error) {
      this.logger.debug(`profile refresh failed for ${conversation.id}: ${String(error)}`);
    }
  }
}
