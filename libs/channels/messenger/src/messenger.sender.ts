import { Injectable, OnModuleInit } from '@nestjs/common';
import { DeliveryError, OutboundMessage, OutboundSender, OutboundTarget } from '@app/core';
import { ChannelRegistry } from '@app/conversations';
import { classifyGraphError, GraphApiError, GraphApiGateway, SendApiRequest } from '@app/graph-api';
import { MessengerRenderer } from '@app/templates';
import { PageDirectory } from './page-directory.service';

/** Messenger's way out: renders an outbound message to a Send API call and maps errors for the outbox. */
@Injectable()
export class MessengerSender implements OutboundSender, OnModuleInit {
  readonly channel = 'messenger';
  private readonly renderer = new MessengerRenderer();

  constructor(
    private readonly registry: ChannelRegistry,
    private readonly gateway: GraphApiGateway,
    private readonly pages: PageDirectory,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<{ mid?: string }> {
    const page = this.pages.find(target.pageId);
    if (!page) throw new DeliveryError('permanent', `page ${target.pageId} is not configured`);
    const request: SendApiRequest = {
      recipient: { id: target.customerId },
      messaging_type: 'RESPONSE',
      // metadata comes back in the echo: it lets us recognise our own messages.
      message: { ...this.renderer.render(message.content), metadata: `ccm:${message.id}` },
    };
    try {
      const result = await this.gateway.send(page.accessToken, request);
      return { mid: result.messageId };
    } catch (error) {
      if (!(error instanceof GraphApiError)) throw error;
      const kind = classifyGraphError(error);
      throw new DeliveryError(kind === 'token' ? 'paused' : kind, error.message, error.toJSON());
    }
  }
}
