import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { ccmMediaKey, InboundAttachment, InboundEvent } from '@app/core';

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
   * The keys of ccm's own files a serialised outbound message sends: a media message's `url` when it is
   * a public link (under MEDIA_PUBLIC_BASE_URL) or a ccm media path (`/media/{key}…`, an upload sent by
   * its bytes), and a carousel card's picture when it is a public link (Meta fetches it). Only those:
   * a link or path quoted in a text is words, not a file the message sends.
   */
  keysIn(content: string): string[] {
    let message: unknown;
    try {
      message = JSON.parse(content);
    } catch {
      return [];
    }
    if (typeof message !== 'object' || message === null) return [];
    const { kind, url, cards } = message as { kind?: unknown; url?: unknown; cards?: unknown };
    if (kind === 'media' && typeof url === 'string') {
      const key = ccmMediaKey(url) ?? this.publicKey(url);
      return key === undefined ? [] : [key];
    }
    if (kind === 'carousel' && Array.isArray(cards)) {
      const keys = cards.map((card: { imageUrl?: unknown } | null) =>
        typeof card?.imageUrl === 'string' ? this.publicKey(card.imageUrl) : undefined,
      );
      return [...new Set(keys.filter((key): key is string => key !== undefined))];
    }
    return [];
  }

  /** The key of a public link to ccm's file (`{MEDIA_PUBLIC_BASE_URL}/media/{key}[/{name}]`). */
  private publicKey(url: string): string | undefined {
    const base = this.config.media.publicBaseUrl;
    const prefix = `${base}/${MEDIA_ROUTE}/`;
    if (!base || !url.startsWith(prefix)) return undefined;
    return /^([a-f0-9]{16,64})(?:\/[^/?#]*)?$/.exec(url.slice(prefix.length))?.[1];
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
