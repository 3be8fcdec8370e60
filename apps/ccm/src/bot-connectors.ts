import { BotConnectorDefinition, embeddedConnector, httpConnector, rasaConnector } from '@app/bot';

/**
 * The bot connectors this app offers, one line each: `BOT_CONNECTOR` selects one by its `kind` (unset:
 * the first). The only place a connector is named; each reads and checks its own variables
 * (docs/bot-connectors.md, "Adding a connector").
 */
export const BOT_CONNECTORS: readonly BotConnectorDefinition<unknown>[] = [embeddedConnector, rasaConnector, httpConnector];
