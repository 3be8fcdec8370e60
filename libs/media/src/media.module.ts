import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MediaController } from './media.controller';
import { MediaLinks } from './media-links';
import { MediaStoreService } from './media-store.service';
import { OutboundMediaGuard } from './outbound-media-guard';
import { UploadRetention } from './upload-retention';

/** Media store: ccm's copies of inbound attachments and agents' uploads, the links to them, and the pruning of unsent uploads. */
@Module({
  imports: [ConversationsModule],
  controllers: [MediaController],
  providers: [MediaLinks, MediaStoreService, OutboundMediaGuard, UploadRetention],
  exports: [MediaLinks, MediaStoreService, OutboundMediaGuard],
})
export class MediaModule {}
