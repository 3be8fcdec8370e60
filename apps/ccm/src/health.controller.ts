import { Controller, Get } from '@nestjs/common';
import { CcmConfig } from '@app/config';

@Controller('health')
export class HealthController {
  constructor(private readonly config: CcmConfig) {}

  @Get()
  health(): { status: 'ok'; mode: 'local' | 'live'; graphApiVersion: string } {
    return { status: 'ok', mode: this.config.localMode ? 'local' : 'live', graphApiVersion: this.config.graph.version };
  }
}
