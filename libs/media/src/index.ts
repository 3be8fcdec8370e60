export { MediaModule } from './media.module';
export { MEDIA_ROUTE, MediaLinks } from './media-links';
export { MediaStoreService } from './media-store.service';
export { LocalDirectoryStorage, MediaStorage, S3Storage } from './media-storage';
export { contentTypeFits, downloadMedia, MediaDownloadError, OUTBOUND_MEDIA_MAX_BYTES, outboundMediaProblem } from './media-downloader';
export type { Downloaded, DownloadRules } from './media-downloader';
export { isPrivateAddress } from './private-address';
export { OutboundMediaGuard } from './outbound-media-guard';
export { mediaMigrations } from './migrations';
