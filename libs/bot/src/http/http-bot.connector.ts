import { RichMessage } from '@app/templates';
import { signTimestampedBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@app/core';
import { BotInput, BotReply } from '../bot.types';
import { BotCallError } from '../remote/bot-call.error';
import { postJson } from '../remote/post-json';
import { AbortableBotConnector } from '../resilience/resilient-bot';
import { buildHttpBotRequest, HttpBotContractError, parseHttpBotResponse } from './http-bot.contract';

export interface HttpBotConnectorOptions {
  url: string;
  /** BOT_HTTP_SECRET: signs every request so the bot can tell ccm from anyone else. */
  secret: string;
  defaultFallback: RichMessage[];
  now?: () => number;
}

/** Any bot behind the documented JSON contract (docs/bot-connectors.md), one signed POST per turn. */
export class HttpBotConnector implements AbortableBotConnector {
  readonly name = 'http';

  constructor(private readonly options: HttpBotConnectorOptions) {}

  async reply(input: BotInput, signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<BotReply> {
    const body = JSON.stringify(buildHttpBotRequest(input));
    const timestamp = (this.options.now ?? Date.now)();
    const json = await postJson(
      this.name,
      this.options.url,
      body,
      {
        [SIGNATURE_HEADER]: signTimestampedBody(this.options.secret, timestamp, body),
        [TIMESTAMP_HEADER]: String(timestamp),
        'user-agent': 'ccm-bot-connector/1',
      },
      signal,
    );
    try {
      return parseHttpBotResponse(json, this.options.defaultFallback);
    } catch (error) {
      if (error instanceof HttpBotContractError)
        throw new BotCallError(this.name, 'bad_response', `answer breaks the contract: ${error.message}`);
      throw error;
    }
  }
}
