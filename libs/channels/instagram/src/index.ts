export { InstagramChannelModule } from './instagram.module';
export { INSTAGRAM_DESCRIPTOR, InstagramAdapter, InstagramWebhook } from './instagram.adapter';
export { INSTAGRAM_CHANNEL, mapInstagramEntries } from './instagram-event.mapper';
export { INSTAGRAM_LIMITS, prepareForInstagram, splitByBytes } from './instagram-message';
export { instagramMigrations } from './migrations';
