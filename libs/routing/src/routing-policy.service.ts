import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { RoutingPolicy } from '@app/core';
import { PersistenceService } from '@app/persistence';

export interface RoutingSettings {
  policy: RoutingPolicy;
  threshold: number;
  lowConfidenceTurns: number;
}

/**
 * The routing settings in force for a Page: what an admin set at run time (database, shared by all
 * instances, survives restarts) over the Page's configured policy over the environment defaults.
 */
@Injectable()
export class RoutingPolicyService {
  constructor(
    private readonly config: CcmConfig,
    private readonly persistence: PersistenceService,
  ) {}

  async settingsFor(pageId: string): Promise<RoutingSettings> {
    const page = this.config.pages.find((p) => p.pageId === pageId) ?? this.config.pages.find((p) => p.pageId === undefined);
    const stored = await this.persistence.repos.pageSettings.get(pageId);
    return {
      policy: stored?.routing_policy ?? page?.routingPolicy ?? this.config.routing.defaultPolicy,
      threshold: stored?.confidence_threshold ?? this.config.routing.confidenceThreshold,
      lowConfidenceTurns: stored?.low_confidence_turns ?? this.config.routing.lowConfidenceTurns,
    };
  }
}
