export * from './page-comments.module';
export * from './page-comments.types';
export * from './comment-event.mapper';
export * from './comment-rules';
export { commentsMigrations } from './migrations';
