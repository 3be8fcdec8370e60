import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MEDIA_ROUTE } from './media-links';
import { MediaStoreService } from './media-store.service';

/**
 * `GET /media/{key}`: ccm's copy of an inbound attachment. The key is an unguessable capability (an
 * HMAC), so the link works in the desk's `<img>` and for the chat server without a session.
 */
@ApiExcludeController()
@Controller(MEDIA_ROUTE)
export class MediaController {
  constructor(private readonly media: MediaStoreService) {}

  /** An agent's upload is linked as `/media/{key}/{filename}`, so the customer's Messenger shows the file's name. */
  @Get(':key/:name')
  named(@Param('key') key: string, @Res() reply: FastifyReply): Promise<void> {
    return this.get(key, reply);
  }

  @Get(':key')
  async get(@Param('key') key: string, @Res() reply: FastifyReply): Promise<void> {
    if (!/^[a-f0-9]{40}$/.test(key)) throw new NotFoundException('no such media');
    const found = await this.media.get(key);
    if (!found) throw new NotFoundException('no such media (not stored, or not yet)');
    await reply
      .header('content-type', found.row.content_type ?? 'application/octet-stream')
      .header('cache-control', 'private, max-age=86400, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', dispositionOf(found.row.source_url))
      .send(found.body);
  }
}

/** Inline; with the name an agent's upload had (`upload:{name}`), RFC 5987-encoded. */
function dispositionOf(sourceUrl: string): string {
  if (!sourceUrl.startsWith('upload:')) return 'inline';
  return `inline; filename*=UTF-8''${encodeURIComponent(sourceUrl.slice('upload:'.length))}`;
}
