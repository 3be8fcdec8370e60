import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { ChannelId, ExtensionPoint, Extensions, ROUTING_POLICIES, RoutingPolicy } from '@app/core';
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
    // An admin's choice for this Page's channel (Settings) wins over the channel's configured policy.
    const storedChannelPolicy = channel === undefined ? undefined : parseChannelPolicies(stored?.channel_policies)[channel];
    return {
      policy: storedChannelPolicy ?? channelPolicy ?? stored?.routing_policy ?? page?.routingPolicy ?? this.config.routing.defaultPolicy,
      threshold: stored?.confidence_threshold ?? this.config.routing.confidenceThreshold,
      lowConfidenceTurns: stored?.low_confidence_turns ?? this.config.routing.lowConfidenceTurns,
    };
  }

  /**
   * Each channel with a policy of its own (e.g. comments), as in force for this Page: what an admin
   * stored, else the channel's configured policy, else null (the Page's policy applies).
   */
  async channelPolicies(pageId: string): Promise<Record<string, RoutingPolicy | null>> {
    const stored = parseChannelPolicies((await this.persistence.repos.pageSettings.get(pageId))?.channel_policies);
    return Object.fromEntries(
      this.extensions.get(CHANNEL_ROUTING_POLICIES).map((p) => [p.channel, stored[p.channel] ?? p.policyFor(pageId) ?? null]),
    );
  }

  /** The channels that have a policy of their own (only their policies may be set per channel). */
  channelsWithOwnPolicy(): string[] {
    return this.extensions.get(CHANNEL_ROUTING_POLICIES).map((p) => p.channel);
  }
}

/** The stored `{channel: policy}` JSON (anything unreadable counts as nothing stored). */
export function parseChannelPolicies(json: string | null | undefined): Record<string, RoutingPolicy> {
  if (!json) return {};
  try {
    const parsed = JSON.parse(json) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, RoutingPolicy] => ROUTING_POLICIES.includes(e[1] as RoutingPolicy)),
    );
  } catch {
    return {};
  }
}
