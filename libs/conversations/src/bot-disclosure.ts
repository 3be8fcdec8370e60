import { ConversationRow } from '@app/persistence';

/**
 * Whether the customer must be told, before the bot's next answer, that they talk to an automated
 * assistant (Meta's automated-experience disclosure): on first contact, and again whenever the
 * conversation comes back to the bot after people had it (it was queued for an agent after the last
 * disclosure). Pure; the handler sends `BOT_DISCLOSURE_MESSAGE` when this is true.
 */
export function botDisclosureDue(conversation: Pick<ConversationRow, 'bot_disclosed_at' | 'queued_at'>): boolean {
  if (conversation.bot_disclosed_at === null) return true;
  return conversation.queued_at !== null && conversation.queued_at >= conversation.bot_disclosed_at;
}
