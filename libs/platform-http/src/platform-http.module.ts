import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminKeyGuard } from './admin-key.guard';
import { ApiExceptionFilter } from './api-exception.filter';
import { ApiValidationPipe } from './api-validation.pipe';

/**
 * What every HTTP API of ccm shares: the global exception filter (one error shape under `/api`, an
 * error id on every 500), the `/api` validation pipe and the admin guard. Feature libs with
 * controllers (admin, agent desk) import it; none imports another for these.
 */
@Module({
  providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }, AdminKeyGuard, ApiValidationPipe],
  exports: [AdminKeyGuard, ApiValidationPipe],
})
export class PlatformHttpModule {}
