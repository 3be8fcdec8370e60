export * from './instagram.module';
export * from './instagram.adapter';
export * from './instagram-event.mapper';
export * from './instagram-message';
export { instagramMigrations } from './migrations';
