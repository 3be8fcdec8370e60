export type {
  AdminAuditRow,
  AdminAuditTable,
  AgentRole,
  AgentRow,
  AgentsTable,
  AgentStatus,
  AttachmentCacheTable,
  BridgeOutboxRow,
  BridgeOutboxStatus,
  BridgeOutboxTable,
  ConversationEventRow,
  ConversationEventsTable,
  ConversationRow,
  ConversationsTable,
  Database,
  InboundEventRow,
  InboundEventsTable,
  InboundEventStatus,
  LoginFailuresTable,
  MessageRow,
  MessagesTable,
  NewMessage,
  PageSettingsRow,
  PageSettingsTable,
  PageStateRow,
  PageStatesTable,
} from './database.types';
export { migrateToLatest, openDatabase } from './create-database';
export type { OpenDatabase } from './create-database';
export { PersistenceService, Repositories } from './persistence.service';
export type { ConversationTarget } from './message.repository';
export { PersistenceModule } from './persistence.module';
export { InboundJournalRepository } from './inbound-journal.repository';
export type { NewInboundEvent } from './inbound-journal.repository';
export { PageStateRepository } from './page-state.repository';
export { AgentRepository } from './agent.repository';
export { BridgeOutboxRepository } from './bridge-outbox.repository';
export type { NewBridgeEvent } from './bridge-outbox.repository';
export { LoginFailureRepository } from './login-failure.repository';
export { PageSettingsRepository } from './page-settings.repository';
export type { PageSettingsPatch } from './page-settings.repository';
export { conversationKeyString } from './conversation.repository';
export { backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { activeFence, assertLeaseHeld, fenceFinishesWork, LeaseLostError, runFenced, runFencedToFinish } from './work-fence';
export type { FencedTransactionOptions, FenceFinish, FenceFinished, WorkLease, WorkTable } from './work-fence';
export type { TransactionOptions } from './persistence.service';
export { BRIDGE_QUEUE, JOURNAL_QUEUE, OUTBOX_QUEUE, WorkQueue } from './work-queue';
export type { ClaimedWork, ClaimOptions, WorkQueueSpec } from './work-queue';
export { LeaderElection } from './leader-election';
export type { LeaderElectionOptions } from './leader-election';
export { RETENTION_TASKS, RetentionService } from './retention.service';
export type { PruneCounts, RetentionTask } from './retention.service';
export type { Dialect, MigrationSet, SchemaMigration, SchemaTools } from './schema-migrations';
export { schemaMigrationProvider } from './schema-migrations';
export { persistenceMigrations } from './migrations';
