import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { RoutingPolicy } from '@app/core';

/** Which policy and threshold apply to a Page (per-Page values come from config; admin API later). */
@Injectable()
export class RoutingPolicyService {
  constructor(private readonly config: CcmConfig) {}

  policyFor(pageId: string): { policy: RoutingPolicy; threshold: number } {
    const page = this.config.pages.find((p) => p.pageId === pageId) ?? this.config.pages.find((p) => p.pageId === undefined);
    return {
      policy: page?.routingPolicy ?? this.config.routing.defaultPolicy,
      threshold: this.config.routing.confidenceThreshold,
    };
  }
}
