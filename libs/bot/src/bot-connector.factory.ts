import { Logger } from '@nestjs/common';
import { BotConfig } from '@app/config';
import { BotConnector } from './bot.types';
import { answerMessages, EmbeddedBot, loadIntentsFile } from './embedded-bot';
import { HttpBotConnector } from './http/http-bot.connector';
import { RasaBotConnector } from './rasa/rasa-bot.connector';
import { CircuitBreaker } from './resilience/circuit-breaker';
import { ResilientBotConnector } from './resilience/resilient-bot';

/**
 * The connector BOT_CONNECTOR names. Remote bots get a deadline and a circuit breaker; the embedded
 * one runs in-process and needs neither. The intents file is loaded (and validated) in every case:
 * its fallback is what remote bots say under BOT_ONLY when they give no fallback of their own.
 */
export function createBotConnector(config: BotConfig): BotConnector {
  const intents = loadIntentsFile(config.intentsFile);
  const defaultFallback = answerMessages(intents.fallback, 'fallback');
  const resilient = (inner: RasaBotConnector | HttpBotConnector, url: string) => {
    new Logger('BotConnector').log(
      `bot: ${inner.name} at ${new URL(url).origin}, timeout ${config.timeoutMs} ms, circuit opens after ${config.circuit.failureThreshold} failures for ${config.circuit.cooldownMs} ms`,
    );
    return new ResilientBotConnector(inner, { timeoutMs: config.timeoutMs, breaker: new CircuitBreaker(config.circuit) });
  };
  switch (config.connector) {
    case 'rasa':
      if (!config.rasa) throw new Error('BOT_CONNECTOR=rasa needs RASA_URL');
      return resilient(new RasaBotConnector({ ...config.rasa, defaultFallback }), config.rasa.url);
    case 'http':
      if (!config.http) throw new Error('BOT_CONNECTOR=http needs BOT_HTTP_URL and BOT_HTTP_SECRET');
      return resilient(new HttpBotConnector({ ...config.http, defaultFallback }), config.http.url);
    case 'embedded':
      return new EmbeddedBot(intents);
  }
}
