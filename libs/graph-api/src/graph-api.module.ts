import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { GraphApiGateway } from './graph-api.gateway';

@Module({
  imports: [HttpModule],
  providers: [GraphApiGateway],
  exports: [GraphApiGateway],
})
export class GraphApiModule {}
