export * from './database.types';
export * from './create-database';
export * from './persistence.service';
export * from './persistence.module';
export * from './inbound-journal.repository';
export * from './page-state.repository';
