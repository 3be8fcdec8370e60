import { Injectable, Logger, Optional } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import {
  ChannelAdapter,
  ChannelDescriptor,
  CHANNELS,
  ccmMediaKey,
  Clock,
  Extends,
  CustomerProfile,
  DeliveryError,
  OutboundContent,
  OutboundMessage,
  OutboundTarget,
  SenderAction,
} from '@app/core';
import {
  GraphApiError,
  GraphApiGateway,
  SendApiRequest,
  toDeliveryError,
  decideMessagingWindow,
  ADS_WINDOW_MS,
  HUMAN_AGENT_WINDOW_MS,
  STANDARD_WINDOW_MS,
  USER_PROFILE_FIELDS,
  USER_REF_PREFIX,
  pictureExpiry,
  PageDirectory,
  THREAD_CONTROL_IDLE_MS,
} from '@app/meta';
import { MediaLinks, MediaStoreService, OutboundMediaGuard } from '@app/media';
import { PersistenceService } from '@app/persistence';
import { MessengerRenderer } from '@app/templates';
import { MESSENGER_CHANNEL, ownMetadata } from './messenger.constants';
import { MessengerWebhook } from './messenger-webhook';
import { UNKNOWN_THREAD_OWNER } from './thread-control';

/** Meta keeps reusable attachment ids 90 days; we re-upload a day early. */
const ATTACHMENT_ID_LIFETIME_MS = 89 * 24 * 60 * 60 * 1000;

export const MESSENGER_DESCRIPTOR: ChannelDescriptor = {
  id: MESSENGER_CHANNEL,
  displayName: 'Facebook Messenger',
  docsUrl: 'https://developers.facebook.com/docs/messenger-platform/',
  capabilities: {
    richTemplates: true,
    typingIndicators: true,
    readReceipts: true,
    sendEchoes: true,
    actions: [],
    mediaUpload: true,
    replyWindow: { standardMs: STANDARD_WINDOW_MS, humanAgentMs: HUMAN_AGENT_WINDOW_MS, adsMs: ADS_WINDOW_MS },
  },
};

/**
 * The Messenger channel adapter. In: `messaging[]`/`standby[]` of `object: "page"` webhooks. Out: checks Meta's messaging window, renders the channel-neutral message to a Send
 * API call with the token of the conversation's own Page, and maps Graph errors for the outbox.
 */
@Injectable()
@Extends(CHANNELS)
export class MessengerSender implements ChannelAdapter {
  readonly channel = MESSENGER_CHANNEL;
  readonly descriptor = MESSENGER_DESCRIPTOR;
  readonly webhook: MessengerWebhook;
  private readonly logger = new Logger(MessengerSender.name);
  private readonly renderer = new MessengerRenderer();
  private readonly uploads = new Map<string, Promise<string>>();

  constructor(
    private readonly gateway: GraphApiGateway,
    private readonly pages: PageDirectory,
    private readonly persistence: PersistenceService,
    private readonly config: CcmConfig,
    private readonly clock: Clock,
    media: MediaLinks,
    private readonly mediaGuard: OutboundMediaGuard,
    @Optional() private readonly mediaStore?: MediaStoreService,
  ) {
    this.webhook = new MessengerWebhook(pages, media);
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
    if (target.threadOwner && message.author === 'bot') {
      throw new DeliveryError(
        'permanent',
        `thread owned by another app (${target.threadOwner}): the bot does not answer until ccm has the thread again`,
        {
          code: 'THREAD_OWNED_BY_OTHER_APP',
        },
      );
    }
    await this.mediaGuard.check(message.content);
    await this.refuseForeignUpload(target.pageId, message);
    const reused = await this.withReusableAttachment(token, target.pageId, message.content);
    const request: SendApiRequest = {
      recipient: recipientOf(target.customerId),
      messaging_type: window.messagingType,
      ...(window.messagingType === 'MESSAGE_TAG' ? { tag: window.tag } : {}),
      // metadata comes back in the echo: it lets us recognise our own messages.
      message: { ...this.renderer.render(reused.content), metadata: ownMetadata(message.id) },
    };
    try {
      const result = await this.gateway.send(token, request);
      return { mid: result.messageId };
    } catch (error) {
      if (reused.attachmentId && error instanceof GraphApiError && error.details.code === 100 && error.details.subcode === 2018074) {
        // Meta no longer knows the uploaded id (expired or revoked): forget it; the retry uploads again.
        await this.persistence.repos.attachments.forget(target.pageId, reused.attachmentId);
        throw new DeliveryError('transient', `attachment ${reused.attachmentId} was refused by Meta; uploading again`, error.toJSON());
      }
      if (error instanceof GraphApiError && (error.details.subcode === 2018300 || error.details.subcode === 2534037)) {
        // Conversation Routing: another app (the Page inbox, another bot) owns this thread. The bot
        // pauses for this conversation (its replies are refused locally) and the desk is told.
        const current = await this.persistence.repos.conversations.findById(target.conversationId);
        if (!current?.thread_owner)
          await this.persistence.repos.conversations.update(target.conversationId, {
            thread_owner: UNKNOWN_THREAD_OWNER,
            thread_owner_expires_at: this.clock.now() + THREAD_CONTROL_IDLE_MS,
          });
        await this.persistence.repos.conversationEvents.append({
          conversation_id: target.conversationId,
          type: 'thread_owned_elsewhere',
          from_state: null,
          to_state: null,
          reason: `Meta ${error.details.subcode}: another app controls this thread; bot replies paused`,
          actor: 'meta',
          created_at: Date.now(),
        });
        const why =
          'thread owned by another app (Meta 2018300): bot replies are paused for this conversation; an agent taking it in ccm takes the thread back';
        throw new DeliveryError('permanent', why, {
          ...error.toJSON(),
          metaMessage: error.message,
          message: why,
          code: 'THREAD_OWNED_BY_OTHER_APP',
        });
      }
      throw toDeliveryError(error);
    }
  }

  /**
   * Media marked `reusable` is uploaded once per Page and then sent by `attachment_id` (valid 90 days,
   * cached in the database, uploaded again when expired or refused) instead of Meta fetching the URL
   * for every customer. A file in ccm's media store always goes this way (by its bytes, see
   * `uploadStoredFile`): there is no URL Meta could fetch.
   */
  private async withReusableAttachment(
    token: string,
    pageId: string,
    content: OutboundContent,
  ): Promise<{ content: OutboundContent; attachmentId?: string }> {
    if (content.kind !== 'media' || !content.url || content.buttons?.length) return { content };
    const stored = ccmMediaKey(content.url);
    if (!content.reusable && !stored) return { content };
    const now = this.clock.now();
    const { url, mediaType } = content;
    let attachmentId = await this.persistence.repos.attachments.find(pageId, url, now - ATTACHMENT_ID_LIFETIME_MS);
    if (!attachmentId) {
      // One upload per Page and URL even when several customers get the same media at once (single
      // flight in this process; another instance may upload too, which is harmless: the last id wins).
      const key = `${pageId} ${url}`;
      let upload = this.uploads.get(key);
      if (!upload) {
        upload = (async () => {
          const id = stored
            ? await this.uploadStoredFile(token, mediaType, stored)
            : await this.gateway.uploadAttachment(token, mediaType, url);
          await this.persistence.repos.attachments.put(pageId, url, id, this.clock.now());
          return id;
        })().finally(() => this.uploads.delete(key));
        this.uploads.set(key, upload);
      }
      try {
        attachmentId = await upload;
      } catch (error) {
        throw toDeliveryError(error);
      }
    }
    const { url: _url, reusable: _reusable, ...rest } = content;
    return { content: { ...rest, attachmentId }, attachmentId };
  }

  /**
   * A ccm media path names a file in ccm's store by its key: checked before any upload or cached
   * attachment id is used (see `MediaStoreService.uploadRefusal`), so a sender who learnt a key cannot
   * have ccm send a customer's media or another Page's upload. Permanent: a retry would not change it.
   */
  private async refuseForeignUpload(pageId: string, message: OutboundMessage): Promise<void> {
    const { content } = message;
    const key = content.kind === 'media' && content.url ? ccmMediaKey(content.url) : undefined;
    if (key === undefined) return;
    const refusal = this.mediaStore
      ? await this.mediaStore.uploadRefusal(key, message.id, pageId)
      : `the file ${key} is in ccm's media store, which is off (MEDIA_STORE)`;
    if (refusal) throw new DeliveryError('permanent', refusal, { code: 'MEDIA_REFUSED' });
  }

  /**
   * A file in ccm's media store (`/media/{key}/…`: an agent's upload when ccm has no public address):
   * Meta cannot fetch it, so its bytes go up by the Attachment Upload API (multipart `filedata`).
   */
  private async uploadStoredFile(token: string, mediaType: 'image' | 'audio' | 'video' | 'file', key: string): Promise<string> {
    const file = await this.mediaStore?.read(key);
    if (!file)
      throw new DeliveryError('permanent', `the file ${key} is not in ccm's media store (never stored, or deleted by retention)`, {
        code: 'MEDIA_REFUSED',
      });
    return this.gateway.uploadAttachmentData(token, mediaType, file);
  }

  async senderAction(target: OutboundTarget, action: SenderAction): Promise<void> {
    // "Seen" and "typing…" are messages to Meta: only inside the standard window (never tagged).
    const window = decideMessagingWindow('bot', target.lastUserEventAt, this.clock.now(), false, target.adsMessageAt ?? null);
    if (!window.allowed) {
      this.logger.debug(`${action} for conversation ${target.conversationId} not sent: ${window.reason}`);
      return;
    }
    try {
      await this.gateway.send(await this.tokenFor(target.pageId), { recipient: recipientOf(target.customerId), sender_action: action });
    } catch (error) {
      this.logger.debug(
        `${action} for conversation ${target.conversationId} not sent: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async fetchProfile(target: OutboundTarget): Promise<CustomerProfile | undefined> {
    try {
      const token = await this.tokenFor(target.pageId);
      // `locale` needs its own permission (pages_user_locale): an app without it still gets the rest.
      const profile = await this.gateway
        .getUserProfile(token, target.customerId, [...USER_PROFILE_FIELDS, 'locale'])
        .catch(() => this.gateway.getUserProfile(token, target.customerId));
      if (!profile.first_name && !profile.last_name && !profile.profile_pic) return undefined;
      const expiresAt = pictureExpiry(profile.profile_pic);
      return {
        firstName: profile.first_name,
        lastName: profile.last_name,
        pictureUrl: profile.profile_pic,
        ...(typeof profile.locale === 'string' && profile.locale !== '' && { locale: profile.locale }),
        ...(expiresAt !== undefined && { expiresAt }),
      };
    } catch (error) {
      // No permission, no profile (2018218), phone-number accounts: never blocks the conversation.
      this.logger.debug(
        `profile of conversation ${target.conversationId} not available: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
  }

  private async tokenFor(pageId: string): Promise<string> {
    const token = await this.pages.accessToken(pageId);
    if (!token) throw new DeliveryError('permanent', `page ${pageId} is not configured`);
    return token;
  }
}

/** A chat-plugin visitor has no PSID yet: Meta answers them by their `user_ref`. */
function recipientOf(customerId: string): { id: string } | { user_ref: string } {
  return customerId.startsWith(USER_REF_PREFIX) ? { user_ref: customerId.slice(USER_REF_PREFIX.length) } : { id: customerId };
}
