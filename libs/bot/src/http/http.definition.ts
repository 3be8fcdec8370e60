import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { IsParsableUrl } from '@app/config';
import { BotConnectorDefinition } from '../bot-connector.definition';
import { HttpBotConnector } from './http-bot.connector';

/** The HTTP bot connector's variables (docs/bot-connectors.md, "The HTTP bot contract"). */
export class HttpBotVariables {
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  @IsParsableUrl()
  BOT_HTTP_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  BOT_HTTP_SECRET?: string;
}

export interface HttpBotSettings {
  readonly url: string;
  readonly secret: string;
}

/** `BOT_CONNECTOR=http`: any bot behind the signed JSON contract, under the deadline and circuit breaker. */
export const httpConnector: BotConnectorDefinition<HttpBotSettings> = {
  kind: 'http',
  variables: HttpBotVariables,
  secretVariables: ['BOT_HTTP_SECRET'],
  requiredVariables: ['BOT_HTTP_URL', 'BOT_HTTP_SECRET'],
  options(env, secrets) {
    secrets.push(env.BOT_HTTP_SECRET as string);
    return { url: env.BOT_HTTP_URL as string, secret: env.BOT_HTTP_SECRET as string };
  },
  create: (settings, { guarded, defaultFallback }) => guarded(new HttpBotConnector({ ...settings, defaultFallback }), settings.url),
};
