import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Clock } from '@app/core';
import { ChannelRegistry } from '@app/conversations';
import { ConversationRow, PersistenceService } from '@app/persistence';
import { DeskRepository } from '../store/desk.repository';
import { conversationView, ConversationView, ReplyWindowView, replyWindowState } from './desk-views';

/** Builds conversation views with what the desk shows beside the row: unread count, preview, reply window. */
@Injectable()
export class ConversationViews {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly channels: ChannelRegistry,
    private readonly config: CcmConfig,
    private readonly clock: Clock,
  ) {}

  async many(rows: readonly ConversationRow[], now = this.clock.now()): Promise<ConversationView[]> {
    const ids = rows.map((r) => r.id);
    const [unread, last] = await Promise.all([
      this.persistence.repos.messages.unreadCounts(ids),
      new DeskRepository(this.persistence.repos).lastMessages(ids),
    ]);
    return rows.map((row) =>
      conversationView(row, unread.get(row.id) ?? 0, now, {
        replyWindow: this.replyWindow(row.channel),
        lastMessage: last.get(row.id),
      }),
    );
  }

  /** The reply window's state for this conversation now. */
  replyState(row: ConversationRow, now = this.clock.now()): ReplyWindowView['state'] {
    return replyWindowState(row.last_user_event_at, this.replyWindow(row.channel), now, row.ads_message_at ?? null).state;
  }

  /** The channel's window; the HUMAN_AGENT extension only when this deployment may use the tag. */
  private replyWindow(channel: string) {
    const window = this.channels.adapter(channel)?.descriptor.capabilities.replyWindow;
    if (!window || this.config.messenger.humanAgentTag) return window;
    const { humanAgentMs: _notAllowed, ...rest } = window;
    return rest;
  }

  async one(row: ConversationRow, now = this.clock.now()): Promise<ConversationView> {
    return (await this.many([row], now))[0];
  }
}
