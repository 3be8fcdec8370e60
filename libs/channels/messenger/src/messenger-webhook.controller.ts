import { BadRequestException, Controller, ForbiddenException, Get, Headers, HttpCode, Logger, NotFoundException, Post, Query, Req } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { CcmConfig } from '@app/config';
import { WEBHOOK_PATH_PREFIX } from '@app/core';
import { InboundIntakeService } from '@app/conversations';
import { timingSafeEqual } from 'node:crypto';
import { mapMessengerWebhook } from './messenger-event.mapper';
import { verifySignature256, verifySignatureSha1 } from './messenger.signature';
import { PageDirectory } from './page-directory.service';

/**
 * Meta's webhook for Messenger. GET: the verify handshake. POST: signature over the raw bytes first,
 * then parse, map, journal every event durably, and answer 200 — processing happens afterwards.
 */
@Controller(WEBHOOK_PATH_PREFIX.slice(1))
export class MessengerWebhookController {
  private readonly logger = new Logger(MessengerWebhookController.name);

  constructor(
    private readonly config: CcmConfig,
    private readonly intake: InboundIntakeService,
    private readonly pages: PageDirectory,
  ) {}

  @Get()
  verify(
    @Query('hub.mode') mode?: string,
    @Query('hub.verify_token') token?: string,
    @Query('hub.challenge') challenge?: string,
  ): string {
    if (mode === undefined || token === undefined || challenge === undefined) {
      throw new BadRequestException('hub.mode, hub.verify_token and hub.challenge are required');
    }
    if (mode !== 'subscribe' || !constantTimeEquals(token, this.config.webhook.verifyToken)) {
      this.logger.warn('webhook verification refused: wrong hub.mode or verify token');
      throw new ForbiddenException('verification failed');
    }
    return challenge;
  }

  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: FastifyRequest,
    @Headers('x-hub-signature-256') signature?: string,
    @Headers('x-hub-signature') legacySignature?: string,
  ): Promise<string> {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let verdict = verifySignature256(raw, signature, this.config.graph.appSecret);
    if (verdict === 'missing' && this.config.webhook.acceptSha1) verdict = verifySignatureSha1(raw, legacySignature, this.config.graph.appSecret);
    if (verdict !== 'valid') {
      this.logger.warn(`webhook refused: signature ${verdict} (${raw.length} bytes from ${request.ip})`);
      throw new ForbiddenException(`invalid X-Hub-Signature-256 (${verdict})`);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BadRequestException('body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { entry?: unknown }).entry)) {
      throw new BadRequestException('body must be an object with an entry array');
    }
    const object = (body as { object?: unknown }).object;
    if (object === 'instagram') {
      this.logger.log('instagram webhook acknowledged and ignored: the Instagram channel is not enabled');
      return 'EVENT_RECEIVED';
    }
    if (object !== 'page') throw new NotFoundException(`unsupported webhook object ${JSON.stringify(object)}`);

    const mapped = mapMessengerWebhook(body);
    for (const skipped of mapped.skipped) this.logger.warn(`webhook item skipped (page ${skipped.pageId ?? '?'}): ${skipped.reason}`);
    const served = mapped.events.filter((event) => {
      if (this.pages.find(event.pageId)) return true;
      this.logger.warn(`webhook event for page ${event.pageId} ignored: that page is not configured`);
      return false;
    });
    await this.intake.accept(served);
    return 'EVENT_RECEIVED';
  }
}

function constantTimeEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
