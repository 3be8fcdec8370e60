import { Module } from '@nestjs/common';
import { AgentQueueService } from './agent-queue.service';
import { QueueWatcher } from './queue-watcher.service';

@Module({ providers: [AgentQueueService, QueueWatcher], exports: [AgentQueueService, QueueWatcher] })
export class AgentBridgeModule {}
