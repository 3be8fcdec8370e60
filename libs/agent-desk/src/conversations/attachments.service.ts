import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { CcmConfig } from '@app/config';
import { ChannelRegistry } from '@app/conversations';
import { MediaLinks, MediaStoreService } from '@app/media';
import { Principal } from '../auth/principal';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { uploadMediaType, uploadProblems, type UploadMediaType } from './attachment-upload';
import { DeskConversationsService } from './desk-conversations.service';

export class AttachmentView {
  @ApiProperty({
    description:
      "ccm's link to the stored file: send it as a media message's url. With MEDIA_PUBLIC_BASE_URL the public https link Meta fetches; without it ccm's path /media/{key}/{name}, whose bytes ccm uploads to Meta itself (Messenger)",
  })
  url!: string;
  @ApiProperty({ enum: ['image', 'video', 'audio', 'file'], description: 'The attachment type it goes out as' })
  mediaType!: UploadMediaType;
  @ApiProperty() contentType!: string;
  @ApiProperty() size!: number;
  @ApiProperty() filename!: string;
}

/**
 * A file from the agent's disk, for one conversation: checked against Meta's limits, stored in ccm's
 * media store, and answered with ccm's link — which the agent then sends as a media message, through
 * the reusable-attachment path (uploaded once per Page, then sent by attachment id). With
 * MEDIA_PUBLIC_BASE_URL the link is public and Meta fetches it; without it (local mode, a ccm with no
 * public address) it is ccm's path `/media/{key}/{name}` and Messenger gets the bytes by the Attachment
 * Upload API. Channels that take media only by URL (Instagram) need the public address.
 */
@Injectable()
export class AttachmentsService {
  constructor(
    private readonly config: CcmConfig,
    private readonly desk: DeskConversationsService,
    private readonly media: MediaStoreService,
    private readonly links: MediaLinks,
    private readonly channels: ChannelRegistry,
  ) {}

  async upload(principal: Principal, conversationId: string, body: unknown, contentType: string | undefined, filename: string | undefined) {
    const row = await this.desk.actionable(principal, conversationId);
    if (!this.config.media.enabled)
      throw new DeskException(DeskErrorCode.ActionNotSupported, 'attaching files needs the media store (MEDIA_STORE is off)');
    const adapter = this.channels.adapter(row.channel);
    if (!this.config.media.publicBaseUrl && !adapter?.descriptor.capabilities.mediaUpload)
      throw new DeskException(
        DeskErrorCode.ActionNotSupported,
        `${adapter?.descriptor.displayName ?? row.channel} takes files only by a public https link Meta fetches: attaching files to these conversations needs MEDIA_PUBLIC_BASE_URL`,
      );
    const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const problems = uploadProblems(contentType, bytes.length, filename);
    if (problems.length > 0 || !contentType || !filename)
      throw new DeskException(DeskErrorCode.ValidationFailed, problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
    const type = contentType.split(';')[0].trim().toLowerCase();
    const mediaType = uploadMediaType(type);
    const key = await this.media.storeUpload(bytes, type, mediaType, filename);
    const url = this.links.uploadLink(key, filename);
    const view: AttachmentView = { url, mediaType, contentType: type, size: bytes.length, filename };
    return view;
  }
}
