import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { ccmMediaKey, Clock, DeliveryError, OutboundContent } from '@app/core';
import { MEDIA_ROUTE } from './media-links';
import { outboundMediaProblem } from './media-downloader';

const VERDICT_TTL_MS = 60 * 60 * 1000;
/** Verdicts kept at most (oldest dropped first): every distinct URL an agent or bot sends is one. */
export const OUTBOUND_MEDIA_VERDICTS_MAX = 1_000;

/**
 * Checks media sent by URL against Meta's size limits before the Send API call (images 8 MB, other
 * assets 25 MB), so an agent learns at once why it cannot go instead of Meta failing the fetch
 * (2018008/2018109). The verdict per URL is remembered for an hour (one `HEAD` per URL, not per customer).
 */
@Injectable()
export class OutboundMediaGuard {
  /** Insertion order is check order (a verdict checked again is moved to the end), so the oldest is first. */
  private readonly verdicts = new Map<string, { problem?: string; at: number }>();

  constructor(
    private readonly config: CcmConfig,
    private readonly clock: Clock,
  ) {}

  /** Verdicts remembered now (bounded by the TTL and OUTBOUND_MEDIA_VERDICTS_MAX). */
  get remembered(): number {
    return this.verdicts.size;
  }

  async check(content: OutboundContent): Promise<void> {
    if (content.kind !== 'media' || !content.url || content.attachmentId) return;
    // ccm's own copy (an agent's upload) was checked against the same limits when it was stored.
    const own = this.config.media.publicBaseUrl;
    if ((own && content.url.startsWith(`${own}/${MEDIA_ROUTE}/`)) || ccmMediaKey(content.url)) return;
    const key = `${content.mediaType} ${content.url}`;
    let verdict = this.verdicts.get(key);
    if (!verdict || this.clock.now() - verdict.at > VERDICT_TTL_MS) {
      verdict = {
        problem: await outboundMediaProblem(content.url, content.mediaType, this.config.media.allowPrivateHosts),
        at: this.clock.now(),
      };
      this.remember(key, verdict);
    }
    if (verdict.problem) throw new DeliveryError('permanent', verdict.problem, { code: 'MEDIA_REFUSED' });
  }

  /** Without this, every URL ever sent stayed in memory for the life of the process. */
  private remember(key: string, verdict: { problem?: string; at: number }): void {
    this.verdicts.delete(key);
    const expired = verdict.at - VERDICT_TTL_MS;
    for (const [oldest, { at }] of this.verdicts) {
      if (at >= expired && this.verdicts.size < OUTBOUND_MEDIA_VERDICTS_MAX) break;
      this.verdicts.delete(oldest);
    }
    this.verdicts.set(key, verdict);
  }
}
