import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CcmConfig } from '@app/config';
import { GraphApiGateway } from './graph-api.gateway';
import { InProcessPagePacer, PagePacer, RedisPagePacer } from './page-pacer';

@Module({
  providers: [
    GraphApiGateway,
    {
      // Per-Page pacing of every Graph call: shared through Redis when REDIS_URL is set, else in process.
      provide: PagePacer,
      inject: [CcmConfig],
      useFactory: (config: CcmConfig): PagePacer => {
        const rate = config.messenger.sendRatePerPage;
        const url = config.realtime.redisUrl;
        if (!url) return new InProcessPagePacer(rate);
        const logger = new Logger('PagePacer');
        const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
        redis.on('error', () => undefined); // surfaced by reserve() falling back, logged there
        const pacer = new RedisPagePacer(redis, rate);
        pacer.onFallback = (error) =>
          logger.warn(
            `Redis unreachable for shared pacing (${error instanceof Error ? error.message : String(error)}): pacing per instance until it is back`,
          );
        return pacer;
      },
    },
  ],
  exports: [GraphApiGateway, PagePacer],
})
export class GraphApiModule implements OnApplicationShutdown {
  constructor(@Inject(PagePacer) private readonly pacer: PagePacer) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pacer.close();
  }
}
