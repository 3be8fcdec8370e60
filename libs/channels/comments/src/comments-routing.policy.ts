import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { Extends, RoutingPolicy } from '@app/core';
import { PageDirectory } from '@app/meta';
import { CHANNEL_ROUTING_POLICIES, ChannelRoutingPolicy } from '@app/routing';
import { COMMENTS_CHANNEL } from './page-comments.types';

/** A Page may answer comments differently from Messenger (e.g. straight to agents). */
@Injectable()
@Extends(CHANNEL_ROUTING_POLICIES)
export class CommentsRoutingPolicy implements ChannelRoutingPolicy {
  readonly channel = COMMENTS_CHANNEL;

  constructor(
    private readonly pages: PageDirectory,
    private readonly config: CcmConfig,
  ) {}

  policyFor(pageId: string): RoutingPolicy | undefined {
    return this.pages.find(pageId)?.commentsRoutingPolicy ?? this.config.comments.routingPolicy;
  }
}
