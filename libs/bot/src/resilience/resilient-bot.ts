import { BotConnector, BotInput, BotReply } from '../bot.types';
import { BotCallError } from '../remote/bot-call.error';
import { CircuitBreaker } from './circuit-breaker';

/** A remote connector that stops its HTTP calls when `signal` aborts. */
export interface AbortableBotConnector extends BotConnector {
  reply(input: BotInput, signal?: AbortSignal): Promise<BotReply>;
}

export interface ResilienceOptions {
  /** The whole turn (all HTTP calls of it) must be answered within this. */
  timeoutMs: number;
  breaker: CircuitBreaker;
}

/**
 * Puts a deadline and a circuit breaker around a remote bot. No retries: the customer is waiting,
 * and a retry could only add to the wait; a failed turn is answered with ERROR_MESSAGE_RESPONSE
 * (and a person under DEFAULT) by the conversation handler instead. While the circuit is open the
 * bot is not called at all, so a dead bot costs each customer nothing but the error message.
 */
export class ResilientBotConnector implements BotConnector {
  constructor(
    private readonly inner: AbortableBotConnector,
    private readonly options: ResilienceOptions,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get breaker(): CircuitBreaker {
    return this.options.breaker;
  }

  async reply(input: BotInput): Promise<BotReply> {
    const breaker = this.options.breaker;
    if (!breaker.tryAcquire()) {
      const retryAt = breaker.retryAt;
      throw new BotCallError(
        this.name,
        'circuit_open',
        `circuit open after ${breaker.failures} consecutive failures, not called${retryAt ? ` (next try after ${new Date(retryAt).toISOString()})` : ' (a trial call is running)'}`,
      );
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new BotCallError(this.name, 'timeout', `no answer within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
    });
    try {
      // The race guards the deadline even if a connector ignored the signal somewhere.
      const reply = await Promise.race([this.inner.reply(input, controller.signal), deadline]);
      breaker.onSuccess();
      return reply;
    } catch (error) {
      breaker.onFailure();
      if (controller.signal.aborted) throw new BotCallError(this.name, 'timeout', `no answer within ${this.options.timeoutMs} ms`);
      throw error instanceof Error ? error : new BotCallError(this.name, 'bad_response', String(error));
    } finally {
      clearTimeout(timer);
      // Ends whatever is still in flight (Rasa's second call when the first one already failed).
      controller.abort();
    }
  }
}
