import type { RichMessage } from '@app/templates';

/** What a bot connector sees of one customer turn. */
export interface BotInput {
  conversationId: string;
  pageId: string;
  customerId: string;
  text: string;
  /** A postback / quick-reply payload when the customer pressed a button. */
  payload?: string;
}

/** A bot's answer to one turn: channel-neutral rich messages (text, buttons, carousels, media). */
export interface BotReply {
  intent: string | undefined;
  /** 0..1: how sure the bot is that `intent` is what the customer meant. */
  confidence: number;
  /** The answer for the recognised intent (empty when nothing was recognised). */
  answer: RichMessage[];
  /** What to say when the answer is not confident enough and no person will take over. */
  fallback: RichMessage[];
  /** The bot itself asks for a person (e.g. the customer asked for one). */
  handoverRequested: boolean;
}

/** Any bot: the embedded one, Rasa, a generic HTTP bot. Implementations may throw; callers cope. */
export interface BotConnector {
  readonly name: string;
  reply(input: BotInput): Promise<BotReply>;
}

/** Injection token for the active bot connector. */
export const BOT_CONNECTOR = Symbol('BOT_CONNECTOR');
