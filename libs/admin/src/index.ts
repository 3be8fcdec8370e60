export * from './admin-key.guard';
export * from './admin.module';
