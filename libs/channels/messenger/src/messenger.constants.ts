/** The "like" (thumbs-up) sticker: an acknowledgement, not a question for the bot or an agent. */
export const LIKE_STICKER_ID = '369239263222822';

/** ccm marks each message it sends with `metadata: "ccm:<message id>"`; the echo brings it back. */
export function ownMetadata(messageId: number): string {
  return `ccm:${messageId}`;
}

/** The message id in our own metadata, or undefined for a message sent by someone else. */
export function ownMessageIdOf(metadata: string | undefined): number | undefined {
  const match = /^ccm:(\d+)$/.exec(metadata ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The Messenger channel's id. */
export const MESSENGER_CHANNEL = 'messenger';
