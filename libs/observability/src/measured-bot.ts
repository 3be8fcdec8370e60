import { CcmMetrics } from './ccm-metrics.service';

/** The shape of a bot connector as the metrics see it (kept structural: bots do not depend on metrics' lib). */
interface MeasurableBot<I, R extends { confidence: number }> {
  readonly name: string;
  reply(input: I): Promise<R>;
  /** Remote connectors expose their circuit breaker. */
  readonly breaker?: { readonly state: 'CLOSED' | 'OPEN' | 'HALF_OPEN' };
}

const CIRCUIT_VALUES = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const;

/**
 * Wraps a bot connector so every turn's latency, outcome and confidence are measured, and its
 * circuit breaker's state is exported at scrape time. Behaviour is unchanged.
 */
export function measuredBot<I, R extends { confidence: number }, B extends MeasurableBot<I, R>>(bot: B, metrics?: CcmMetrics): B {
  if (!metrics) return bot;
  if (bot.breaker) metrics.addCollector(() => void metrics.circuitState.set({ connector: bot.name }, CIRCUIT_VALUES[bot.breaker!.state]));
  return new Proxy(bot, {
    get(target, property, receiver) {
      if (property !== 'reply') return Reflect.get(target, property, receiver) as unknown;
      return async (input: I): Promise<R> => {
        const started = performance.now();
        try {
          const reply = await target.reply(input);
          metrics.botTurn(target.name, (performance.now() - started) / 1000, 'ok', reply.confidence);
          return reply;
        } catch (error) {
          metrics.botTurn(target.name, (performance.now() - started) / 1000, 'error');
          throw error;
        }
      };
    },
  });
}
