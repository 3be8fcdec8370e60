import { Logger } from '@nestjs/common';
import { CcmConfig, sectionOf } from '@app/config';
import { BOT_CONNECTOR_SECTION, BotConnectorContext, intentsUse, SelectedBotConnector } from './bot-connector.definition';
import { BotConnector } from './bot.types';
import { answerMessages, loadIntentsFile } from './embedded-bot';
import { CircuitBreaker } from './resilience/circuit-breaker';
import { ResilientBotConnector } from './resilience/resilient-bot';

/**
 * The connector BOT_CONNECTOR selected (read with the configuration, see `botConnectorSection`).
 * Remote bots get a deadline and a circuit breaker through `context.guarded`. The intents file is
 * loaded (and validated) in every case, as far as the connector uses it: its fallback is what remote
 * bots say under BOT_ONLY when they give no fallback of their own.
 */
export function createBotConnector(config: CcmConfig): BotConnector {
  const selected = sectionOf<SelectedBotConnector | undefined>(config, { name: BOT_CONNECTOR_SECTION });
  if (!selected) throw new Error('No bot connector was selected (the configuration had problems)');
  const bot = config.bot;
  const intents = loadIntentsFile(bot.intentsFile, intentsUse(selected.definition));
  const context: BotConnectorContext = {
    bot,
    intents,
    defaultFallback: answerMessages(intents.fallback, 'fallback'),
    guarded(inner, url) {
      new Logger('BotConnector').log(
        `bot: ${inner.name} at ${new URL(url).origin}, timeout ${bot.timeoutMs} ms, circuit opens after ${bot.circuit.failureThreshold} failures for ${bot.circuit.cooldownMs} ms`,
      );
      return new ResilientBotConnector(inner, { timeoutMs: bot.timeoutMs, breaker: new CircuitBreaker(bot.circuit) });
    },
  };
  return selected.definition.create(selected.options, context);
}
