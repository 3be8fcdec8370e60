import { Module } from '@nestjs/common';
import { ConversationsModule } from '@app/conversations';
import { MediaModule } from '@app/media';
import { MetaModule } from '@app/meta';
import { InstagramAdapter } from './instagram.adapter';

/**
 * The Instagram Direct channel: its adapter is a channel extension (`@Extends(CHANNELS)`) the core finds.
 * It shares the Messenger module's Page directory and Graph gateway: an Instagram account is answered
 * through its linked Page, with that Page's token.
 */
@Module({
  imports: [ConversationsModule, MetaModule, MediaModule],
  providers: [InstagramAdapter],
})
export class InstagramChannelModule {}
