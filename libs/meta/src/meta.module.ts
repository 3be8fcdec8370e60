import { Module } from '@nestjs/common';
import { GraphApiModule } from './graph-api.module';
import { PageDirectory } from './page-directory.service';
import { TokenHealthService } from './token-health.service';

/**
 * Meta plumbing shared by the Meta channels (Messenger, Page comments, Instagram): the Graph API
 * gateway, the Pages this deployment serves and their tokens, token health.
 */
@Module({
  imports: [GraphApiModule],
  providers: [PageDirectory, TokenHealthService],
  exports: [GraphApiModule, PageDirectory, TokenHealthService],
})
export class MetaModule {}
