export * from './agent-queue.service';
export * from './agent-bridge.module';
export * from './queue-watcher.service';
export * from './business-hours';
