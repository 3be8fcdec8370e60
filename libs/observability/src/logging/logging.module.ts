import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { CcmConfig } from '@app/config';
import { logDestination, pinoHttpOptions } from './logger-options';

/** Where JSON log lines go; stdout unless a test provides a stream (override this token). */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/** Structured logs (nestjs-pino): see `pinoHttpOptions`. The app switches Nest's logger to it in `configureApp`. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [{ provide: LOG_DESTINATION, useValue: undefined }],
      inject: [CcmConfig, LOG_DESTINATION],
      useFactory: async (config: CcmConfig, destination?: DestinationStream) => ({
        pinoHttp: pinoHttpOptions(config, destination ?? (await logDestination(config))),
      }),
    }),
  ],
})
export class LoggingModule {}
