import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MediaController } from './media.controller';
import { MediaLinks } from './media-links';
import { MediaStoreService } from './media-store.service';
import { OutboundMediaGuard } from './outbound-media-guard';

/** Media store: ccm's copies of inbound attachments, and the links to them. */
@Module({
  imports: [ConversationsModule],
  controllers: [MediaController],
  providers: [MediaLinks, MediaStoreService, OutboundMediaGuard],
  exports: [MediaLinks, MediaStoreService, OutboundMediaGuard],
})
export class MediaModule {}
