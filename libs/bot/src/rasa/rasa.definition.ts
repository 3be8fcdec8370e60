import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { IsParsableUrl } from '@app/config';
import { BotConnectorDefinition } from '../bot-connector.definition';
import { RasaBotConnector } from './rasa-bot.connector';

/** The Rasa connector's variables (docs/bot-connectors.md, "Rasa"). */
export class RasaVariables {
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL (the Rasa server, e.g. http://rasa:5005)' })
  @IsParsableUrl()
  RASA_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  RASA_TOKEN?: string;

  /** Comma-separated Rasa intents that mean "the customer wants a person". */
  @IsOptional()
  @Matches(/^\s*[\w.-]+(\s*,\s*[\w.-]+)*\s*$/, { message: 'must be a comma-separated list of intent names' })
  RASA_HANDOVER_INTENTS?: string;
}

export interface RasaSettings {
  readonly url: string;
  readonly token?: string;
  readonly handoverIntents: readonly string[];
}

/** `BOT_CONNECTOR=rasa`: a Rasa server over its HTTP API, under the deadline and circuit breaker. */
export const rasaConnector: BotConnectorDefinition<RasaSettings> = {
  kind: 'rasa',
  variables: RasaVariables,
  secretVariables: ['RASA_TOKEN'],
  requiredVariables: ['RASA_URL'],
  options(env, secrets) {
    if (env.RASA_TOKEN) secrets.push(env.RASA_TOKEN);
    return {
      url: env.RASA_URL as string,
      token: env.RASA_TOKEN,
      handoverIntents: (env.RASA_HANDOVER_INTENTS ?? '')
        .split(',')
        .map((intent) => intent.trim())
        .filter(Boolean),
    };
  },
  create: (settings, { guarded, defaultFallback }) => guarded(new RasaBotConnector({ ...settings, defaultFallback }), settings.url),
};
