import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { ChannelId, ExtensionPoint, Extensions, RoutingPolicy } from '@app/core';
import { PersistenceService } from '@app/persistence';

/** A channel's own policy per Page (e.g. comments answered differently from Messenger). */
export interface ChannelRoutingPolicy {
  readonly channel: ChannelId;
  /** The policy for this Page on this channel; undefined: the Page's. */
  policyFor(pageId: string): RoutingPolicy | undefined;
}

/** Where a channel plugs in its own routing policy: `@Extends(CHANNEL_ROUTING_POLICIES)` on a provider. */
export const CHANNEL_ROUTING_POLICIES = new ExtensionPoint<ChannelRoutingPolicy>('channel-routing-policies');

export interface RoutingSettings {
  policy: RoutingPolicy;
  threshold: number;
  lowConfidenceTurns: number;
}

/**
 * The routing settings in force for a Page and channel: a channel's own policy for that Page, else
 * what an admin set at run time (database, shared by all instances, survives restarts), else the
 * Page's configured policy, else the environment defaults.
 */
@Injectable()
export class RoutingPolicyService {
  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
    private readonly extensions: Extensions,
  ) {}

  async settingsFor(pageId: string, channel?: ChannelId): Promise<RoutingSettings> {
    const page = this.config.pages.find((p) => p.pageId === pageId) ?? this.config.pages.find((p) => p.pageId === undefined);
    const channelPolicy =
      channel === undefined
        ? undefined
        : this.extensions
            .get(CHANNEL_ROUTING_POLICIES)
            .find((p) => p.channel === channel)
            ?.policyFor(pageId);
    const stored = await this.persistence.repos.pageSettings.getCached(pageId);
    return {
      policy: channelPolicy ?? stored?.routing_policy ?? page?.routingPolicy ?? this.config.routing.defaultPolicy,
      threshold: stored?.confidence_threshold ?? this.config.routing.confidenceThreshold,
      lowConfidenceTurns: stored?.low_confidence_turns ?? this.config.routing.lowConfidenceTurns,
    };
  }
}
