export { AgentQueueService } from './agent-queue.service';
export { AgentBridgeModule } from './agent-bridge.module';
export { isWithinBusinessHours } from './business-hours';
