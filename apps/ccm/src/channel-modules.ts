import { Type } from '@nestjs/common';
import { PageCommentsModule } from '@app/channel-comments';
import { InstagramChannelModule } from '@app/channel-instagram';
import { MessengerChannelModule } from '@app/channel-messenger';

/**
 * The channel modules this app runs: the only place a channel is named. Each module registers its
 * adapter itself at startup; removing one from this list removes the channel and nothing else
 * (`test/e2e/channel-modules.e2e-spec.ts` boots the app without the comments module).
 */
export const CHANNEL_MODULES: readonly Type<unknown>[] = [MessengerChannelModule, PageCommentsModule, InstagramChannelModule];
