export * from './media.module';
export * from './media-links';
export * from './media-store.service';
export * from './media-storage';
export * from './media-downloader';
export * from './private-address';
export * from './outbound-media-guard';
export { mediaMigrations } from './migrations';
