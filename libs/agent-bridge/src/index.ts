export * from './agent-queue.service';
export * from './agent-bridge.module';
export * from './business-hours';
