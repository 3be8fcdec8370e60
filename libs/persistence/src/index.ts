export * from './database.types';
export * from './create-database';
export * from './persistence.service';
export * from './persistence.module';
export * from './inbound-journal.repository';
export * from './agent.repository';
export * from './bridge-outbox.repository';
export * from './login-failure.repository';
