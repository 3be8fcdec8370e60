import { RichMessage } from '@app/templates';
import { BotInput, BotReply } from '../bot.types';
import { answerMessages } from '../embedded-bot';

/**
 * The generic HTTP bot contract (docs/bot-connectors.md). ccm POSTs one `HttpBotRequest` per
 * customer turn, signed like every ccm webhook (`x-ccm-signature`, `x-ccm-timestamp`), and expects
 * one `HttpBotResponse` back. Version 1; fields may be added to the request, never changed.
 */
export const HTTP_BOT_CONTRACT_VERSION = 1;

export interface HttpBotRequest {
  version: typeof HTTP_BOT_CONTRACT_VERSION;
  conversation: { id: string; pageId: string; customerId: string };
  event:
    | { type: 'text'; text: string }
    /** A tapped button or quick reply: `choice.payload` is the payload the bot offered; `text` its title or what was typed with it. */
    | { type: 'choice'; text: string; choice: { payload: string } };
}

export interface HttpBotResponse {
  /** What the bot understood; omit or null when nothing. */
  intent?: string | null;
  /** 0..1; ccm compares it with the routing threshold. */
  confidence: number;
  /** The answer: rich messages in their JSON form (a plain string is shorthand for a text message). */
  messages: (RichMessage | string)[];
  /** Said under BOT_ONLY when the answer is not confident enough; defaults to ccm's configured fallback. */
  fallback?: (RichMessage | string)[];
  /** The bot asks for a person (e.g. the customer asked for one). */
  handover?: boolean;
}

export class HttpBotContractError extends Error {}

export function buildHttpBotRequest(input: BotInput): HttpBotRequest {
  const conversation = { id: input.conversationId, pageId: input.pageId, customerId: input.customerId };
  if (input.payload !== undefined)
    return {
      version: HTTP_BOT_CONTRACT_VERSION,
      conversation,
      event: { type: 'choice', text: input.text, choice: { payload: input.payload } },
    };
  return { version: HTTP_BOT_CONTRACT_VERSION, conversation, event: { type: 'text', text: input.text } };
}

/**
 * Validates a bot's answer against the contract; throws `HttpBotContractError` naming the first
 * offending field (rich messages are checked by the templates lib, Messenger limits included).
 * Unknown top-level fields are ignored, so a bot may send more than ccm reads.
 */
export function parseHttpBotResponse(json: unknown, defaultFallback: RichMessage[]): BotReply {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new HttpBotContractError('expected a JSON object {confidence, messages, intent?, fallback?, handover?}');
  const body = json as Record<string, unknown>;
  const { intent, confidence, messages, fallback, handover } = body;
  if (intent !== undefined && intent !== null && (typeof intent !== 'string' || intent === ''))
    throw new HttpBotContractError('intent: must be a non-empty string or null');
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    throw new HttpBotContractError(`confidence: must be a number in 0..1 (got ${JSON.stringify(confidence) ?? 'nothing'})`);
  }
  if (!Array.isArray(messages)) throw new HttpBotContractError('messages: must be an array of rich messages (may be empty)');
  if (fallback !== undefined && fallback !== null && !Array.isArray(fallback))
    throw new HttpBotContractError('fallback: must be an array of rich messages');
  if (handover !== undefined && handover !== null && typeof handover !== 'boolean')
    throw new HttpBotContractError('handover: must be true or false');
  try {
    return {
      intent: typeof intent === 'string' ? intent : undefined,
      confidence,
      answer: answerMessages(messages as (RichMessage | string)[], 'messages'),
      fallback: Array.isArray(fallback) ? answerMessages(fallback as (RichMessage | string)[], 'fallback') : defaultFallback,
      handoverRequested: handover === true,
    };
  } catch (error) {
    throw new HttpBotContractError(error instanceof Error ? error.message : String(error));
  }
}
