import { Injectable, Logger } from '@nestjs/common';
import { GraphApiGateway, SendApiRequest } from '@app/graph-api';
import { PageDirectory } from '@app/messenger';
import { ConversationRow } from '@app/persistence';
import { CustomerChannelActions, CustomerProfile } from './customer-channel-actions';

/**
 * Messenger sender actions and the User Profile API for the desk.
 * @see https://developers.facebook.com/docs/messenger-platform/send-messages/sender-actions
 */
@Injectable()
export class MessengerChannelActions extends CustomerChannelActions {
  private readonly logger = new Logger(MessengerChannelActions.name);

  constructor(
    private readonly gateway: GraphApiGateway,
    private readonly pages: PageDirectory,
  ) {
    super();
  }

  async typing(conversation: ConversationRow, on: boolean): Promise<void> {
    await this.senderAction(conversation, on ? 'typing_on' : 'typing_off');
  }

  async markSeen(conversation: ConversationRow): Promise<void> {
    await this.senderAction(conversation, 'mark_seen');
  }

  async profile(conversation: ConversationRow): Promise<CustomerProfile | undefined> {
    const page = conversation.channel === 'messenger' ? this.pages.find(conversation.page_id) : undefined;
    if (!page) return undefined;
    try {
      const p = await this.gateway.getUserProfile(page.accessToken, conversation.customer_id);
      return { firstName: p.first_name, lastName: p.last_name, pictureUrl: p.profile_pic };
    } catch (error) {
      this.logger.debug(`profile of conversation ${conversation.id} unavailable: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private async senderAction(conversation: ConversationRow, action: NonNullable<SendApiRequest['sender_action']>): Promise<void> {
    const page = conversation.channel === 'messenger' ? this.pages.find(conversation.page_id) : undefined;
    if (!page) return;
    try {
      await this.gateway.send(page.accessToken, { recipient: { id: conversation.customer_id }, sender_action: action });
    } catch (error) {
      this.logger.debug(`${action} for conversation ${conversation.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
