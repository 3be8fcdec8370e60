import { BotConnectorDefinition } from '../bot-connector.definition';
import { EmbeddedBot } from '../embedded-bot';

/** `BOT_CONNECTOR=embedded` (the default): the intents file and a text classifier, in-process. No variables of its own. */
export const embeddedConnector: BotConnectorDefinition<void> = {
  kind: 'embedded',
  intents: 'all',
  options: () => undefined,
  create: (_options, { intents }) => new EmbeddedBot(intents),
};
