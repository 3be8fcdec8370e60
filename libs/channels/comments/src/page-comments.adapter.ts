import { Injectable, Logger } from '@nestjs/common';
import {
  ChannelActionError,
  ChannelActionOutcome,
  ChannelActionRequest,
  ChannelActions,
  ChannelActor,
  ChannelAdapter,
  CHANNELS,
  Clock,
  CustomerProfile,
  DeliveryError,
  Extends,
  OutboundMessage,
  OutboundTarget,
} from '@app/core';
import { ConversationBus, ConversationBusEvent } from '@app/conversations';
import { GraphApiError, GraphApiGateway, toDeliveryError, PageDirectory } from '@app/meta';
import { PersistenceService, Repositories } from '@app/persistence';
import { PlainTextRenderer } from '@app/templates';
import { checkCommentAction } from './comment-rules';
import { CommentsWebhook } from './comments-webhook';
import { PageCommentRepository, PageCommentRow } from './page-comment.repository';
import { COMMENTS_CHANNEL, COMMENTS_DESCRIPTOR } from './page-comments.types';

/** The Messenger channel id: a private reply continues the conversation there. */
const MESSENGER_CHANNEL = 'messenger';

/**
 * The Page comments channel adapter. In: the feed webhook (`changes[]`, `field: "feed"`) — a customer's
 * comment becomes a message of the conversation of that post and commenter, routed to the bot or the
 * agents like a Messenger message. Out: an answer is a public reply to the customer's latest comment,
 * as plain text (comments have no templates). Actions: public and private reply, like, hide, delete.
 */
@Injectable()
@Extends(CHANNELS)
export class PageCommentsAdapter implements ChannelAdapter, ChannelActions {
  readonly channel = COMMENTS_CHANNEL;
  readonly descriptor = COMMENTS_DESCRIPTOR;
  readonly webhook: CommentsWebhook;
  readonly actions: ChannelActions = this;
  private readonly logger = new Logger(PageCommentsAdapter.name);
  private readonly plainText = new PlainTextRenderer();

  constructor(
    private readonly gateway: GraphApiGateway,
    private readonly pages: PageDirectory,
    private readonly persistence: PersistenceService,
    private readonly bus: ConversationBus,
    private readonly clock: Clock,
  ) {
    this.webhook = new CommentsWebhook(pages, persistence, clock);
  }

  /**
   * The bot's (or an agent's) answer in a comment conversation: a public reply under the comment it
   * answers (fixed when the answer was queued), or — when that comment is gone or unknown — under the
   * customer's latest comment.
   */
  async send(target: OutboundTarget, message: OutboundMessage): Promise<{ mid?: string }> {
    const repo = new PageCommentRepository(this.persistence.repos);
    const comment =
      (await this.answeredComment(repo, target, message.replyTo)) ?? (await repo.latestCustomerComment(target.pageId, target.customerId));
    if (!comment)
      throw new DeliveryError('permanent', 'there is no comment of this customer to reply to (removed?)', { code: 'NO_COMMENT' });
    // No templates on comments: a rich message is degraded to its readable text (choices numbered, links spelled out).
    const text = message.content.kind === 'text' ? message.content.text : this.plainText.render(message.content);
    let id: string;
    try {
      ({ id } = await this.gateway.replyToComment(await this.tokenFor(target.pageId), comment.comment_id, text));
    } catch (error) {
      throw toDeliveryError(error);
    }
    // Meta accepted the reply: a failure from here on must not make the outbox send it again.
    try {
      await repo.recordFacts([ownReplyFact(comment, id, target.customerId, this.clock.now())], this.clock.now());
    } catch (error) {
      this.logger.warn(
        `reply ${id} to comment ${comment.comment_id} was posted but not indexed (${error instanceof Error ? error.message : String(error)}); its feed echo may be stored as a Page comment`,
      );
    }
    return { mid: id };
  }

  /** The customer's comment `replyTo` names, if it is theirs and still there. */
  private async answeredComment(
    repo: PageCommentRepository,
    target: OutboundTarget,
    replyTo: string | undefined,
  ): Promise<PageCommentRow | undefined> {
    if (!replyTo) return undefined;
    const comment = await repo.find(replyTo);
    const theirs = comment && comment.page_id === target.pageId && comment.customer_id === target.customerId && !comment.from_page;
    return theirs && !comment.removed ? comment : undefined;
  }

  /** Comment authors have a name on the comment, not a Messenger profile. */
  async fetchProfile(target: OutboundTarget): Promise<CustomerProfile | undefined> {
    const comment = await new PageCommentRepository(this.persistence.repos).latestCustomerComment(target.pageId, target.customerId);
    return comment?.author_name ? { firstName: comment.author_name } : undefined;
  }

  async perform(target: OutboundTarget, request: ChannelActionRequest, actor: ChannelActor): Promise<ChannelActionOutcome> {
    const repo = new PageCommentRepository(this.persistence.repos);
    const comment = request.itemId ? await repo.find(request.itemId) : await repo.latestCustomerComment(target.pageId, target.customerId);
    if (!comment || comment.page_id !== target.pageId || comment.customer_id !== target.customerId) {
      throw new ChannelActionError(
        'NOT_FOUND',
        request.itemId ? `comment ${request.itemId} is not part of this conversation` : 'this conversation has no comment to act on',
      );
    }
    const now = this.clock.now();
    const verdict = checkCommentAction(request.action, comment, now);
    if (!verdict.allowed) throw new ChannelActionError('REFUSED', verdict.reason);
    const token = await this.tokenFor(target.pageId);
    const author = actor.kind === 'bot' ? 'bot' : 'agent';
    switch (request.action) {
      case 'public_reply': {
        const text = requireText(request);
        const { id } = await this.graph(() => this.gateway.replyToComment(token, comment.comment_id, text));
        const published: ConversationBusEvent[] = [];
        await this.persistence.transaction(async (repos) => {
          await new PageCommentRepository(repos).recordFacts([ownReplyFact(comment, id, target.customerId, now)], now);
          await storeSentText(repos, target.conversationId, author, text, id, now, published);
          await this.audit(
            repos,
            target.conversationId,
            'comment_public_reply',
            `reply ${id} to comment ${comment.comment_id}`,
            actor,
            now,
          );
        });
        published.forEach((e) => this.bus.publish(e));
        return { action: 'public_reply', itemId: comment.comment_id, createdId: id };
      }
      case 'private_reply':
        return this.privateReply(target, comment, requireText(request), actor, token, now);
      case 'like':
      case 'unlike':
        await this.graph(() => this.gateway.setCommentLiked(token, comment.comment_id, request.action === 'like'));
        return this.updateState(
          target,
          comment,
          { liked: request.action === 'like' ? 1 : 0 },
          { liked: request.action === 'like' },
          `comment_${request.action}d`,
          actor,
          now,
        );
      case 'hide':
      case 'unhide':
        await this.graph(() => this.gateway.setCommentHidden(token, comment.comment_id, request.action === 'hide'));
        return this.updateState(
          target,
          comment,
          { hidden: request.action === 'hide' ? 1 : 0 },
          { hidden: request.action === 'hide' },
          `comment_${request.action === 'hide' ? 'hidden' : 'unhidden'}`,
          actor,
          now,
        );
      case 'delete':
        await this.graph(() => this.gateway.deleteComment(token, comment.comment_id));
        return this.updateState(target, comment, { removed: 1 }, { removed: true }, 'comment_deleted', actor, now);
    }
  }

  /**
   * One private reply per comment: claimed in the database first (so two agents cannot both send),
   * released only when Meta definitely did not send it. The answer names the customer's PSID: their
   * Messenger conversation is created (or found) and linked to this one, so when they answer on
   * Messenger, the agent sees it from the comment conversation.
   */
  private async privateReply(
    target: OutboundTarget,
    comment: PageCommentRow,
    text: string,
    actor: ChannelActor,
    token: string,
    now: number,
  ): Promise<ChannelActionOutcome> {
    const repo = new PageCommentRepository(this.persistence.repos);
    if (!(await repo.claimPrivateReply(comment.comment_id, now))) {
      throw new ChannelActionError('REFUSED', 'a private reply was already sent to this comment (Meta allows one per comment)');
    }
    let result: { recipientId?: string; messageId?: string };
    try {
      result = await this.gateway.sendPrivateReply(token, comment.comment_id, { text });
    } catch (error) {
      const answered = error instanceof GraphApiError && error.details.httpStatus !== undefined;
      const alreadyReplied = error instanceof GraphApiError && error.details.code === 10900;
      // No answer (timeout): Meta may have sent it, and a second one is forbidden — keep the claim.
      if (answered && !alreadyReplied) await repo.releasePrivateReply(comment.comment_id, now);
      const message = error instanceof Error ? error.message : String(error);
      if (alreadyReplied) throw new ChannelActionError('REFUSED', `a private reply was already sent to this comment (Meta: ${message})`);
      throw new ChannelActionError(
        'FAILED',
        answered
          ? `Meta refused the private reply: ${message}`
          : `the private reply may or may not have been sent (${message}); it is not retried, to never send two`,
      );
    }
    const psid = result.recipientId;
    if (!psid)
      throw new ChannelActionError(
        'FAILED',
        'Meta sent the private reply but did not name the recipient; the Messenger conversation could not be linked',
      );
    const author = actor.kind === 'bot' ? 'bot' : 'agent';
    const published: ConversationBusEvent[] = [];
    const messengerId = await this.persistence.transaction(async (repos) => {
      const messenger = await repos.conversations.ensure({ channel: MESSENGER_CHANNEL, pageId: target.pageId, customerId: psid }, now);
      await storeSentText(repos, messenger.id, author, text, result.messageId ?? null, now, published);
      await repos.conversations.update(messenger.id, { linked_conversation_id: target.conversationId, updated_at: now });
      await repos.conversations.update(target.conversationId, { linked_conversation_id: messenger.id, updated_at: now });
      await new PageCommentRepository(repos).notePrivateReplyConversation(comment.comment_id, messenger.id, now);
      await this.audit(
        repos,
        target.conversationId,
        'comment_private_reply',
        `private reply to comment ${comment.comment_id}; continues in Messenger conversation ${messenger.id}`,
        actor,
        now,
      );
      await this.audit(
        repos,
        messenger.id,
        'private_reply',
        `started by a private reply to comment ${comment.comment_id} (conversation ${target.conversationId})`,
        actor,
        now,
      );
      return messenger.id;
    });
    published.forEach((e) => this.bus.publish(e));
    this.logger.log(
      `conversation ${target.conversationId}: private reply to comment ${comment.comment_id}, linked to Messenger conversation ${messengerId}`,
    );
    return { action: 'private_reply', itemId: comment.comment_id, createdId: result.messageId, linkedConversationId: messengerId };
  }

  private async updateState(
    target: OutboundTarget,
    comment: PageCommentRow,
    flags: { hidden?: number; removed?: number; liked?: number },
    state: Record<string, boolean>,
    type: string,
    actor: ChannelActor,
    now: number,
  ): Promise<ChannelActionOutcome> {
    await this.persistence.transaction(async (repos) => {
      const repo = new PageCommentRepository(repos);
      await repo.setFlags(comment.comment_id, flags, now);
      await repo.markMessage(target.conversationId, comment.comment_id, state);
      await this.audit(repos, target.conversationId, type, `comment ${comment.comment_id}`, actor, now);
    });
    return { action: type.replace(/^comment_/, '') as ChannelActionOutcome['action'], itemId: comment.comment_id };
  }

  private async audit(
    repos: Repositories,
    conversationId: string,
    type: string,
    reason: string,
    actor: ChannelActor,
    now: number,
  ): Promise<void> {
    await repos.conversationEvents.append({
      conversation_id: conversationId,
      type,
      from_state: null,
      to_state: null,
      reason,
      actor: actor.kind === 'bot' ? 'bot' : actor.id,
      created_at: now,
    });
  }

  /** A Graph call made for an action: Meta's refusal becomes the action's error, with Meta's words. */
  private async graph<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new ChannelActionError('FAILED', `Meta refused: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async tokenFor(pageId: string): Promise<string> {
    const token = await this.pages.accessToken(pageId);
    if (!token) throw new DeliveryError('permanent', `page ${pageId} is not configured`);
    return token;
  }
}

function requireText(request: ChannelActionRequest): string {
  const text = request.text?.trim();
  if (!text) throw new ChannelActionError('REFUSED', `${request.action} needs a text`);
  return text;
}

/** Our own public reply, indexed so that its feed echo joins this conversation (and is not stored twice). */
function ownReplyFact(comment: PageCommentRow, id: string, customerId: string, createdTime: number) {
  return {
    commentId: id,
    pageId: comment.page_id,
    postId: comment.post_id,
    parentId: comment.parent_id && comment.parent_id !== comment.post_id ? comment.parent_id : comment.comment_id,
    authorId: comment.page_id,
    customerId,
    fromPage: true,
    createdTime,
  };
}

/**
 * A reply Meta already accepted joins the transcript as sent (once per `mid`); its `message.created`
 * event is collected for publishing after the commit.
 */
async function storeSentText(
  repos: Repositories,
  conversationId: string,
  author: 'bot' | 'agent',
  text: string,
  mid: string | null,
  now: number,
  published: ConversationBusEvent[],
): Promise<void> {
  const messageId = await repos.messages.insertOnce({
    conversation_id: conversationId,
    direction: 'out',
    author,
    text,
    content: JSON.stringify({ kind: 'text', text }),
    mid,
    status: 'sent',
    attempts: 1,
    next_attempt_at: null,
    lease_until: null,
    error: null,
    event_ts: null,
    created_at: now,
    sent_at: now,
  });
  if (messageId !== undefined) published.push({ type: 'message.created', conversationId, messageId, direction: 'out', author });
}
