import { Logger } from '@nestjs/common';
import { RichMessage } from '@app/templates';
import { BotInput, BotReply } from '../bot.types';
import { BotCallError } from '../remote/bot-call.error';
import { postJson } from '../remote/post-json';
import { AbortableBotConnector } from '../resilience/resilient-bot';
import { mapRasaParse, mapRasaReplies, RasaResponseError } from './rasa-response.mapper';

export interface RasaConnectorOptions {
  /** Base URL of the Rasa server, e.g. http://rasa:5005. */
  url: string;
  /** Rasa's `--auth-token`, sent as `?token=` (Rasa's token auth). */
  token?: string;
  /** Intents that mean "the customer wants a person" (besides a `{"custom":{"handover":true}}` reply). */
  handoverIntents: readonly string[];
  /** Said under BOT_ONLY when Rasa is not confident and gave no answer of its own. */
  defaultFallback: RichMessage[];
}

/**
 * Rasa through its HTTP API: `/model/parse` for the intent and its confidence (which the routing
 * policy compares with the threshold), the REST channel for what the bot says. Both calls run in
 * parallel under one deadline. The Rasa conversation (tracker) is keyed by ccm's conversation id.
 */
export class RasaBotConnector implements AbortableBotConnector {
  readonly name = 'rasa';
  private readonly logger = new Logger(RasaBotConnector.name);
  private readonly base: string;

  constructor(private readonly options: RasaConnectorOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async reply(input: BotInput, signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<BotReply> {
    // A tapped button or quick reply sends its payload as the message: Rasa's "/intent" payloads
    // then skip NLU and arrive with confidence 1, exactly as in Rasa's own channels.
    const message = input.payload ?? input.text;
    if (message.trim() === '') {
      // A sticker or a photo without text: nothing for NLU to read, so no call and no answer.
      return { intent: undefined, confidence: 0, answer: [], fallback: this.options.defaultFallback, handoverRequested: false };
    }
    const [parsed, replies] = await Promise.all([
      postJson(this.name, this.endpoint('/model/parse'), JSON.stringify({ text: message }), {}, signal),
      postJson(
        this.name,
        this.endpoint('/webhooks/rest/webhook'),
        JSON.stringify({
          sender: input.conversationId,
          message,
          metadata: { ccm: { conversationId: input.conversationId, pageId: input.pageId, customerId: input.customerId } },
        }),
        {},
        signal,
      ),
    ]);
    try {
      const { intent, confidence } = mapRasaParse(parsed);
      const mapped = mapRasaReplies(replies);
      if (mapped.ignored.length > 0)
        this.logger.warn(`conversation ${input.conversationId}: ignored parts of Rasa's answer: ${mapped.ignored.join('; ')}`);
      return {
        intent,
        confidence,
        answer: mapped.answer,
        // Rasa's own answer to an unsure turn is usually its fallback response (FallbackClassifier).
        fallback: mapped.answer.length > 0 ? mapped.answer : this.options.defaultFallback,
        handoverRequested: mapped.handoverRequested || (intent !== undefined && this.options.handoverIntents.includes(intent)),
      };
    } catch (error) {
      if (error instanceof RasaResponseError) throw new BotCallError(this.name, 'bad_response', `invalid answer: ${error.message}`);
      throw error;
    }
  }

  private endpoint(path: string): string {
    return `${this.base}${path}${this.options.token ? `?token=${encodeURIComponent(this.options.token)}` : ''}`;
  }
}
