import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { ChannelId, RoutingPolicy } from '@app/core';
import { PersistenceService } from '@app/persistence';

/** A channel's own policy for a Page (e.g. comments answered differently from Messenger); undefined: the Page's. */
export type ChannelPolicyResolver = (pageId: string) => RoutingPolicy | undefined;

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
  private readonly channelPolicies = new Map<string, ChannelPolicyResolver>();

  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
  ) {}

  /** Lets a channel module choose its own policy per Page (registered at startup, so routing never names a channel). */
  registerChannelPolicy(channel: ChannelId, resolver: ChannelPolicyResolver): void {
    this.channelPolicies.set(channel, resolver);
  }

  async settingsFor(pageId: string, channel?: ChannelId): Promise<RoutingSettings> {
    const page = this.config.pages.find((p) => p.pageId === pageId) ?? this.config.pages.find((p) => p.pageId === undefined);
    const channelPolicy = channel === undefined ? undefined : this.channelPolicies.get(channel)?.(pageId);
    const stored = await this.persistence.repos.pageSettings.get(pageId);
    return {
      policy: channelPolicy ?? stored?.routing_policy ?? page?.routingPolicy ?? this.config.routing.defaultPolicy,
      threshold: stored?.confidence_threshold ?? this.config.routing.confidenceThreshold,
      lowConfidenceTurns: stored?.low_confidence_turns ?? this.config.routing.lowConfidenceTurns,
    };
  }
}
