import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { ChannelId, RoutingPolicy } from '@app/core';

/** A channel's own policy for a Page (e.g. comments answered differently from Messenger); undefined: the Page's. */
export type ChannelPolicyResolver = (pageId: string) => RoutingPolicy | undefined;

/** Which policy and threshold apply to a Page (per-Page values come from config; admin API later). */
@Injectable()
export class RoutingPolicyService {
  private readonly channelPolicies = new Map<string, ChannelPolicyResolver>();

  constructor(private readonly config: CcmConfig) {}

  /** Lets a channel module choose its own policy per Page (registered at startup, so routing never names a channel). */
  registerChannelPolicy(channel: ChannelId, resolver: ChannelPolicyResolver): void {
    this.channelPolicies.set(channel, resolver);
  }

  policyFor(pageId: string, channel?: ChannelId): { policy: RoutingPolicy; threshold: number } {
    const page = this.config.pages.find((p) => p.pageId === pageId) ?? this.config.pages.find((p) => p.pageId === undefined);
    const channelPolicy = channel === undefined ? undefined : this.channelPolicies.get(channel)?.(pageId);
    return {
      policy: channelPolicy ?? page?.routingPolicy ?? this.config.routing.defaultPolicy,
      threshold: this.config.routing.confidenceThreshold,
    };
  }
}
