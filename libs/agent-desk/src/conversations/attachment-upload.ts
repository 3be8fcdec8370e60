import { contentTypeFits, OUTBOUND_MEDIA_MAX_BYTES } from '@app/media';

export type UploadMediaType = 'image' | 'video' | 'audio' | 'file';

export interface UploadProblem {
  field: 'body' | 'content-type' | 'filename';
  message: string;
}

/** The Send API attachment type a file goes out as: images, video and audio as themselves, anything else as a file. */
export function uploadMediaType(contentType: string): UploadMediaType {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  return 'file';
}

/**
 * Checks an agent's upload against what Meta takes (fact sheet §4: any asset ≤ 25 MB, images fetched by
 * URL ≤ 8 MB; no active content such as HTML, SVG or scripts), before it is stored: the problems name
 * the field and the reason, none when it may go.
 */
export function uploadProblems(contentType: string | undefined, size: number, filename: string | undefined): UploadProblem[] {
  const problems: UploadProblem[] = [];
  if (!filename?.trim()) problems.push({ field: 'filename', message: 'filename is required (the name the customer sees)' });
  else if (filename.length > 255 || /[/\\]/.test(filename) || [...filename].some((ch) => ch.charCodeAt(0) < 32))
    problems.push({ field: 'filename', message: 'filename must be a plain file name of at most 255 characters' });
  if (!contentType) {
    problems.push({ field: 'content-type', message: 'content-type is required (the type of the file)' });
    return problems;
  }
  const mediaType = uploadMediaType(contentType);
  const type = contentType.split(';')[0].trim().toLowerCase();
  // SVG is an image/* type but active content (scripts), and ccm serves the copy from its own origin.
  if (type === 'image/svg+xml' || !contentTypeFits(mediaType, contentType))
    problems.push({ field: 'content-type', message: `${type} files cannot be sent (active content or not a media type)` });
  const max = OUTBOUND_MEDIA_MAX_BYTES[mediaType];
  if (size === 0) problems.push({ field: 'body', message: 'the file is empty' });
  else if (size > max)
    problems.push({
      field: 'body',
      message: `the ${mediaType} is ${size} bytes; Meta accepts at most ${max} bytes (${max / 1024 / 1024} MB) for a ${mediaType}`,
    });
  return problems;
}

/**
 * Route bodies up to this size are read (the largest asset Meta accepts); a larger one is refused with
 * 413 before it is read, and the API's answer names this limit (`PAYLOAD_TOO_LARGE`, field `body`).
 */
export const ATTACHMENT_BODY_LIMIT_BYTES = OUTBOUND_MEDIA_MAX_BYTES.file;

/** The upload route (`POST /api/conversations/{id}/attachments`): its body is kept as raw bytes, up to the limit above. */
export const ATTACHMENT_ROUTE_PATTERN = /^\/api\/conversations\/[^/?]+\/attachments(?:\?|$)/;
