import { degradeRichMessage, RichButton, RichMessage, RichMessageCapabilities, splitText } from '@app/templates';

/**
 * What Instagram Direct takes through the Messenger API for Instagram (Meta's Instagram messaging
 * docs, checked 2026-12): text up to 1000 bytes of UTF-8; button template (1–3 `web_url`/`postback`
 * buttons) and generic template (≤ 10 cards, ≤ 3 such buttons each); quick replies (≤ 13, text ≤ 20,
 * also e-mail and phone); image, video and audio attachments (images ≤ 8 MB, others ≤ 25 MB). Not:
 * call buttons, the media template (media with buttons), `file` attachments, `metadata`.
 * Templates and quick replies are not shown by Instagram's web client (only the apps).
 */
export const INSTAGRAM_LIMITS = {
  textMaxBytes: 1000,
  mediaMaxBytes: { image: 8 * 1024 * 1024, video: 25 * 1024 * 1024, audio: 25 * 1024 * 1024 },
} as const;

const FULL: RichMessageCapabilities = { buttons: true, carousel: true, quickReplies: true, media: true };

/**
 * Turns one channel-neutral message into the messages Instagram accepts, in order: what Instagram
 * cannot show is degraded with the rich-media rules (call buttons → a numbered list with the number,
 * media with buttons → the media then the choices, a file → its link), and text over 1000 UTF-8
 * bytes is split at paragraph, sentence or word boundaries (quick replies stay on the last part).
 * Never returns something Instagram would refuse as is. `metadata` is dropped (Instagram has none).
 */
export function prepareForInstagram(message: RichMessage): RichMessage[] {
  const { metadata: _metadata, ...content } = message;
  const model = content as RichMessage;
  return degradeRichMessage(model, capabilitiesFor(model)).flatMap(splitOverLongText);
}

function capabilitiesFor(message: RichMessage): RichMessageCapabilities {
  const hasCall = (buttons: readonly RichButton[] | undefined) => (buttons ?? []).some((b) => b.type === 'call');
  switch (message.kind) {
    case 'buttons':
      return { ...FULL, buttons: !hasCall(message.buttons) };
    case 'carousel':
      return { ...FULL, carousel: !message.cards.some((c) => hasCall(c.buttons)) };
    case 'media':
      // No media template on Instagram: the media goes alone, its buttons become choices.
      return { ...FULL, buttons: message.buttons === undefined, media: message.mediaType !== 'file' };
    default:
      return FULL;
  }
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function splitOverLongText(message: RichMessage): RichMessage[] {
  if (message.kind !== 'text' || utf8Bytes(message.text) <= INSTAGRAM_LIMITS.textMaxBytes) return [message];
  const parts = splitByBytes(message.text, INSTAGRAM_LIMITS.textMaxBytes);
  return parts.map((text, i) =>
    i === parts.length - 1 && message.quickReplies ? { kind: 'text', text, quickReplies: message.quickReplies } : { kind: 'text', text },
  );
}

/** `splitText` (UTF-16 units) with the unit limit narrowed until every chunk fits in `maxBytes` of UTF-8. */
export function splitByBytes(text: string, maxBytes: number, maxUnits = maxBytes): string[] {
  return splitText(text, maxUnits).flatMap((chunk) => {
    const bytes = utf8Bytes(chunk);
    if (bytes <= maxBytes || chunk.length <= 1) return [chunk];
    return splitByBytes(chunk, maxBytes, Math.max(1, Math.min(chunk.length - 1, Math.floor((chunk.length * maxBytes) / bytes))));
  });
}
