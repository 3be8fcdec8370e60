import { Injectable, Logger } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import {
  ChannelAdapter,
  Clock,
  ChannelDescriptor,
  CHANNELS,
  ccmMediaKey,
  ChannelWebhook,
  ChannelWebhookMapping,
  CustomerProfile,
  DeliveryError,
  Extends,
  InboundEvent,
  OutboundMessage,
  OutboundTarget,
  SenderAction,
  WebhookEntry,
} from '@app/core';
import { GraphApiGateway, SendApiRequest, toDeliveryError, decideMessagingWindow, PageDirectory, pictureExpiry } from '@app/meta';
import { MediaLinks, OutboundMediaGuard } from '@app/media';
import { PersistenceService } from '@app/persistence';
import { MessengerRenderer } from '@app/templates';
import { INSTAGRAM_CHANNEL, mapInstagramEntries } from './instagram-event.mapper';
import { prepareForInstagram } from './instagram-message';
import { InstagramSendPartsRepository } from './instagram-send-parts.repository';

export const INSTAGRAM_DESCRIPTOR: ChannelDescriptor = {
  id: INSTAGRAM_CHANNEL,
  displayName: 'Instagram Direct',
  docsUrl: 'https://developers.facebook.com/docs/messenger-platform/instagram',
  capabilities: { richTemplates: true, typingIndicators: true, readReceipts: true, actions: [] },
};

/** `object: "instagram"` webhooks: DMs of Instagram professional accounts linked to a configured Page. */
export class InstagramWebhook implements ChannelWebhook {
  readonly objects = ['instagram'];

  constructor(
    private readonly pages: PageDirectory,
    /** Media store: gives kept attachments ccm's link (absent: Meta's URLs only). */
    private readonly media?: { decorate(event: InboundEvent): InboundEvent },
  ) {}

  claims(_object: string, entry: WebhookEntry): boolean {
    return entry.messaging !== undefined || entry.standby !== undefined;
  }

  async map(_object: string, entries: readonly WebhookEntry[]): Promise<ChannelWebhookMapping> {
    const mapping = mapInstagramEntries(entries, (accountId) => this.pages.findByInstagramAccount(accountId)?.pageId);
    return this.media ? { ...mapping, events: mapping.events.map((e) => this.media!.decorate(e)) } : mapping;
  }
}

/**
 * The Instagram Direct channel (Messenger API for Instagram). In: DMs, postbacks, quick replies,
 * reactions, story replies and mentions, echoes, seen. Out: the Send API of the linked Page with that
 * Page's token, Meta's window (24 h; 7 days after a click-to-Direct ad; `HUMAN_AGENT` for people up
 * to 7 days), and what Instagram cannot take split or degraded (`prepareForInstagram`).
 */
@Injectable()
@Extends(CHANNELS)
export class InstagramAdapter implements ChannelAdapter {
  readonly channel = INSTAGRAM_CHANNEL;
  readonly descriptor = INSTAGRAM_DESCRIPTOR;
  readonly webhook: InstagramWebhook;
  private readonly logger = new Logger(InstagramAdapter.name);
  private readonly renderer = new MessengerRenderer();

  constructor(
    private readonly gateway: GraphApiGateway,
    private readonly pages: PageDirectory,
    private readonly config: CcmConfig,
    media: MediaLinks,
    private readonly mediaGuard: OutboundMediaGuard,
    private readonly persistence: PersistenceService,
    private readonly clock: Clock,
  ) {
    this.webhook = new InstagramWebhook(pages, media);
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<{ mid?: string }> {
    const token = await this.tokenFor(target.pageId);
    const window = decideMessagingWindow(
      message.author,
      target.lastUserEventAt,
      this.clock.now(),
      this.config.messenger.humanAgentTag,
      target.adsMessageAt ?? null,
    );
    if (!window.allowed) throw new DeliveryError('permanent', window.reason, { code: 'OUTSIDE_WINDOW' });
    await this.mediaGuard.check(message.content);
    if (message.content.kind === 'media' && message.content.url && ccmMediaKey(message.content.url))
      // Instagram takes media by a URL it fetches only (no upload of the bytes as Messenger's filedata).
      throw new DeliveryError(
        'permanent',
        "Instagram fetches media from a public https URL: a file in ccm's media store needs MEDIA_PUBLIC_BASE_URL to go to Instagram",
        { code: 'MEDIA_REFUSED' },
      );
    const parts = prepareForInstagram(message.content);
    // Parts Meta accepted before (a failure in the middle, or a crash between two parts) are not sent again.
    const progress = new InstagramSendPartsRepository(this.persistence.repos);
    const from = parts.length > 1 ? await progress.partsSent(message.id) : 0;
    let mid: string | undefined;
    for (let i = from; i < parts.length; i++) {
      const request: SendApiRequest = {
        recipient: { id: target.customerId },
        messaging_type: window.messagingType,
        ...(window.messagingType === 'MESSAGE_TAG' ? { tag: window.tag } : {}),
        message: { ...this.renderer.render(parts[i]) },
      };
      try {
        mid = (await this.gateway.send(token, request)).messageId;
      } catch (error) {
        throw toDeliveryError(error);
      }
      if (i < parts.length - 1) await progress.record(message.id, i + 1, this.clock.now());
    }
    if (parts.length > 1) await progress.done(message.id);
    return { mid };
  }

  async senderAction(target: OutboundTarget, action: SenderAction): Promise<void> {
    try {
      await this.gateway.send(await this.tokenFor(target.pageId), { recipient: { id: target.customerId }, sender_action: action });
    } catch (error) {
      this.logger.debug(`${action} for conversation ${target.conversationId} not sent: ${String(error)}`);
    }
  }

  /** Name, @username, picture and follower count (where the user's settings and the app's permissions allow). */
  async fetchProfile(target: OutboundTarget): Promise<CustomerProfile | undefined> {
    try {
      const p = await this.gateway.getInstagramProfile(await this.tokenFor(target.pageId), target.customerId);
      if (!p.name && !p.username && !p.profile_pic) return undefined;
      const expiresAt = pictureExpiry(p.profile_pic);
      return {
        firstName: p.name ?? (p.username ? `@${p.username}` : undefined),
        pictureUrl: p.profile_pic,
        ...(expiresAt !== undefined && { expiresAt }),
        username: p.username,
        followerCount: p.follower_count,
      };
    } catch (error) {
      this.logger.debug(`Instagram profile of conversation ${target.conversationId} not available: ${String(error)}`);
      return undefined;
    }
  }

  private async tokenFor(pageId: string): Promise<string> {
    const token = await this.pages.accessToken(pageId);
    if (!token) throw new DeliveryError('permanent', `page ${pageId} is not configured`);
    return token;
  }
}
