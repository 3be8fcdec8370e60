export { asksForPerson, decideRoute } from './routing-policy';
export type { RouteDecision, RouteInput } from './routing-policy';
export { CHANNEL_ROUTING_POLICIES, parseChannelPolicies, RoutingPolicyService } from './routing-policy.service';
export type { ChannelRoutingPolicy, RoutingSettings } from './routing-policy.service';
export { RoutingModule } from './routing.module';
