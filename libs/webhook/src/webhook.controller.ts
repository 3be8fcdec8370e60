import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  Headers,
  HttpCode,
  Logger,
  NotFoundException,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { CcmConfig } from '@app/config';
import { InboundEvent, JsonEdgeError, WEBHOOK_PATH_PREFIX, parseWebhookJson } from '@app/core';
import { ChannelRegistry, InboundIntakeService } from '@app/conversations';
import { dispatchEntries, isServedObject } from './webhook-dispatch';
import { verifySignature256, verifySignatureSha1 } from '@app/meta';

/**
 * Meta products ccm knows but has no channel module for: their webhooks are acknowledged (so Meta
 * does not retry and eventually disable the subscription) and ignored, with a log line.
 */
const ACKNOWLEDGED_UNSERVED_OBJECTS = ['instagram'];

/**
 * Meta's webhook, for every channel. GET: the verify handshake. POST: signature over the raw bytes
 * first (once, whatever the channel), then parse; every registered channel adapter claims the entries
 * it understands and maps them; all events are journaled durably in one go and the answer is 200 —
 * processing happens afterwards. Knows no channel by name.
 */
@Controller(WEBHOOK_PATH_PREFIX.slice(1))
export class WebhookController {
  private readonly logger = new Logger(WebhookController.name);

  constructor(
    private readonly config: CcmConfig,
    private readonly intake: InboundIntakeService,
    private readonly channels: ChannelRegistry,
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

  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: FastifyRequest,
    @Headers('x-hub-signature-256') signature?: string,
    @Headers('x-hub-signature') legacySignature?: string,
  ): Promise<string> {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let verdict = verifySignature256(raw, signature, this.config.graph.appSecret);
    if (verdict === 'missing' && this.config.webhook.acceptSha1)
      verdict = verifySignatureSha1(raw, legacySignature, this.config.graph.appSecret);
    if (verdict !== 'valid') {
      this.logger.warn(`webhook refused: signature ${verdict} (${raw.length} bytes from ${request.ip})`);
      throw new ForbiddenException(`invalid X-Hub-Signature-256 (${verdict})`);
    }
    let body: unknown;
    try {
      body = parseWebhookJson(raw.toString('utf8')); // U+0000 removed, over-deep nesting refused
    } catch (error) {
      throw new BadRequestException(error instanceof JsonEdgeError ? error.message : 'body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { entry?: unknown }).entry)) {
      throw new BadRequestException('body must be an object with an entry array');
    }
    const { object, entry } = body as { object?: unknown; entry: unknown[] };
    const adapters = this.channels.adapters();
    if (typeof object !== 'string' || !isServedObject(object, adapters)) {
      if (typeof object === 'string' && ACKNOWLEDGED_UNSERVED_OBJECTS.includes(object)) {
        this.logger.log(`${object} webhook acknowledged and ignored: no channel module for it is enabled`);
        return 'EVENT_RECEIVED';
      }
      throw new NotFoundException(`unsupported webhook object ${JSON.stringify(object)}`);
    }

    const dispatch = dispatchEntries(object, entry, adapters);
    for (const u of dispatch.unclaimed) {
      this.logger.warn(
        `webhook entry ${u.index} (page ${u.pageId ?? '?'}, keys ${u.keys.join(',') || '-'}) acknowledged and ignored: no channel module handles it`,
      );
    }
    const events: InboundEvent[] = [];
    for (const { adapter, entries } of dispatch.claimed) {
      const mapped = await adapter.webhook!.map(object, entries);
      for (const skipped of mapped.skipped)
        this.logger.warn(`${adapter.channel} webhook item skipped (page ${skipped.pageId ?? '?'}): ${skipped.reason}`);
      for (const pageId of new Set(mapped.ignoredPages ?? []))
        this.logger.warn(`${adapter.channel} webhook events for page ${pageId} ignored: that page is not configured`);
      events.push(...mapped.events);
    }
    await this.intake.accept(events);
    return 'EVENT_RECEIVED';
  }
}

function constantTimeEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
