import { BadRequestException, ForbiddenException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { InboundEvent, JsonEdgeError, parseWebhookJson } from '@app/core';
import { ChannelRegistry, InboundIntakeService } from '@app/conversations';
import { verifySignature256, verifySignatureSha1 } from '@app/meta';
import { dispatchEntries, isServedObject } from './webhook-dispatch';

/**
 * Meta products ccm knows but has no channel module for: their webhooks are acknowledged (so Meta
 * does not retry and eventually disable the subscription) and ignored, with a log line.
 */
const ACKNOWLEDGED_UNSERVED_OBJECTS = ['instagram'];

/** What the receiver needs of one `POST /ccm/webhook`. */
export interface WebhookDelivery {
  /** The raw body bytes, exactly as received (the signature is over them). */
  raw: Buffer;
  signature256?: string;
  signatureSha1?: string;
  /** For the log line of a refused request. */
  ip?: string;
}

/**
 * Takes one webhook delivery, for every channel: the signature over the raw bytes first (once,
 * whatever the channel), then parse; every registered channel adapter claims the entries it
 * understands and maps them; all events are journaled durably in one go (group commit) before this
 * resolves — the caller answers 200 only then, and processing happens afterwards. Refusals are Nest
 * HTTP exceptions (403 signature, 400 body, 404 object, 503 not stored). Knows no channel by name.
 */
@Injectable()
export class WebhookReceiver {
  private readonly logger = new Logger('WebhookController');

  constructor(
    private readonly config: CcmConfig,
    private readonly intake: InboundIntakeService,
    private readonly channels: ChannelRegistry,
  ) {}

  async receive({ raw, signature256, signatureSha1, ip }: WebhookDelivery): Promise<void> {
    let verdict = verifySignature256(raw, signature256, this.config.graph.appSecret);
    if (verdict === 'missing' && this.config.webhook.acceptSha1)
      verdict = verifySignatureSha1(raw, signatureSha1, this.config.graph.appSecret);
    if (verdict !== 'valid') {
      this.logger.warn(`webhook refused: signature ${verdict} (${raw.length} bytes from ${ip})`);
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
        return;
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
  }
}
