export * from './agent-queue.service';
export * from './agent-bridge.module';
