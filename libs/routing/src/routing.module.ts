import { Module } from '@nestjs/common';
import { RoutingPolicyService } from './routing-policy.service';

@Module({ providers: [RoutingPolicyService], exports: [RoutingPolicyService] })
export class RoutingModule {}
