import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { CcmConfig } from '@app/config';
import { MediaLinks, MediaStoreService } from '@app/media';
import { Principal } from '../auth/principal';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { uploadMediaType, uploadProblems, type UploadMediaType } from './attachment-upload';
import { DeskConversationsService } from './desk-conversations.service';

export class AttachmentView {
  @ApiProperty({ description: "ccm's public link to the stored file: send it as a media message's url" }) url!: string;
  @ApiProperty({ enum: ['image', 'video', 'audio', 'file'], description: 'The attachment type it goes out as' })
  mediaType!: UploadMediaType;
  @ApiProperty() contentType!: string;
  @ApiProperty() size!: number;
  @ApiProperty() filename!: string;
}

/**
 * A file from the agent's disk, for one conversation: checked against Meta's limits, stored in ccm's
 * media store, and answered with ccm's public link — which the agent then sends as a media message,
 * through the same reusable-attachment path as media by URL (Meta fetches the link once).
 */
@Injectable()
export class AttachmentsService {
  constructor(
    private readonly config: CcmConfig,
    private readonly desk: DeskConversationsService,
    private readonly media: MediaStoreService,
    private readonly links: MediaLinks,
  ) {}

  async upload(principal: Principal, conversationId: string, body: unknown, contentType: string | undefined, filename: string | undefined) {
    await this.desk.actionable(principal, conversationId);
    if (!this.config.media.enabled || !this.config.media.publicBaseUrl)
      throw new DeskException(
        DeskErrorCode.ActionNotSupported,
        'attaching files needs the media store and MEDIA_PUBLIC_BASE_URL (the public https address Meta fetches the file from)',
      );
    const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const problems = uploadProblems(contentType, bytes.length, filename);
    if (problems.length > 0 || !contentType || !filename)
      throw new DeskException(DeskErrorCode.ValidationFailed, problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
    const type = contentType.split(';')[0].trim().toLowerCase();
    const mediaType = uploadMediaType(type);
    const key = await this.media.storeUpload(bytes, type, mediaType, filename);
    // The name in the link is what Messenger shows for a file (ccm serves the key either way).
    const url = `${this.links.urlOf(key)}/${encodeURIComponent(filename)}`;
    const view: AttachmentView = { url, mediaType, contentType: type, size: bytes.length, filename };
    return view;
  }
}
