import { BadRequestException, Controller, ForbiddenException, Get, Headers, HttpCode, Logger, Post, Query, Req } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { CcmConfig } from '@app/config';
import { WEBHOOK_PATH_PREFIX } from '@app/core';
import { constantTimeEquals } from '@app/platform-http';
import { WebhookReceiver } from './webhook-receiver';

/**
 * Meta's webhook, for every channel. GET: the verify handshake. POST: see `WebhookReceiver` (signature,
 * parse, map, durable before the 200).
 */
@Controller(WEBHOOK_PATH_PREFIX.slice(1))
export class WebhookController {
  private readonly logger = new Logger(WebhookController.name);

  constructor(
    private readonly config: CcmConfig,
    private readonly receiver: WebhookReceiver,
  ) {}

  @Get()
  verify(@Query('hub.mode') mode?: string, @Query('hub.verify_token') token?: string, @Query('hub.challenge') challenge?: string): string {
    if (mode === undefined || token === undefined || challenge === undefined) {
      throw new BadRequestException('hub.mode, hub.verify_token and hub.challenge are required');
    }
    if (mode !== 'subscribe' || !constantTimeEquals(token, this.config.webhook.verifyToken)) {
      this.logger.warn('webhook verification refused: wrong hub.mode or verify token');
      throw new ForbiddenException('verification failed');
    }
    return challenge;
  }

  /**
   * The same as the fast path (`WebhookFastPath`), which serves this route ahead of the framework
   * in the running app; this handler serves requests that reach Nest by other ways (e.g. `inject`).
   */
  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: FastifyRequest,
    @Headers('x-hub-signature-256') signature?: string,
    @Headers('x-hub-signature') legacySignature?: string,
  ): Promise<string> {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    await this.receiver.receive({ raw, signature256: signature, signatureSha1: legacySignature, ip: request.ip });
    return 'EVENT_RECEIVED';
  }
}
