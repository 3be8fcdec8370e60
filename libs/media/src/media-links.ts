import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { InboundAttachment, InboundEvent } from '@app/core';

export const MEDIA_ROUTE = 'media';

/**
 * The links to ccm's copies of inbound media. Each attachment's key is an HMAC of its event's dedupe
 * key and position (unguessable without the secret, the same on every instance and on a redelivery),
 * so the link is known when the message is stored — the desk and the chat-server bridge get ccm's
 * link from the start, and the download fills it in right after.
 */
@Injectable()
export class MediaLinks {
  constructor(private readonly config: CcmConfig) {}

  get enabled(): boolean {
    return this.config.media.enabled;
  }

  keyOf(dedupeKey: string, index: number): string {
    return createHmac('sha256', this.config.media.linkSecret).update(`${dedupeKey}#${index}`).digest('hex').slice(0, 40);
  }

  urlOf(key: string): string {
    return `${this.config.media.publicBaseUrl ?? ''}/${MEDIA_ROUTE}/${key}`;
  }

  /**
   * The keys of ccm's own media links in a text (e.g. a serialised outbound message), in order: public
   * links (under MEDIA_PUBLIC_BASE_URL) and ccm media paths (`"/media/{key}…`, an upload sent by its bytes).
   */
  keysIn(text: string): string[] {
    const base = this.config.media.publicBaseUrl;
    const prefixes = [...(base ? [escapeRegExp(base)] : []), '(?<=")'];
    const pattern = new RegExp(`(?:${prefixes.join('|')})/${MEDIA_ROUTE}/([a-f0-9]{16,64})(?![a-f0-9])`, 'g');
    return [...text.matchAll(pattern)].map((m) => m[1]);
  }

  /** The link to an agent's upload that the agent sends: public (https) with MEDIA_PUBLIC_BASE_URL, else ccm's own path. */
  uploadLink(key: string, filename: string): string {
    // The name in the link is what Messenger shows for a file (ccm serves the key either way).
    return `${this.urlOf(key)}/${encodeURIComponent(filename)}`;
  }

  /** The event with `mediaKey`/`storedUrl` on each attachment ccm will keep (ephemeral ones excluded). */
  decorate(event: InboundEvent): InboundEvent {
    if (!this.enabled || !event.attachments?.length || (event.kind !== 'message' && event.kind !== 'echo')) return event;
    const attachments: InboundAttachment[] = event.attachments.map((a, i) => {
      if (!a.url || a.ephemeral || a.type === 'fallback' || a.type === 'template') return a;
      const key = this.keyOf(event.dedupeKey, i);
      return { ...a, mediaKey: key, storedUrl: this.urlOf(key) };
    });
    return { ...event, attachments };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
