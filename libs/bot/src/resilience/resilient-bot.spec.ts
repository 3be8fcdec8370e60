import { BotInput, BotReply } from '../bot.types';
import { BotCallError } from '../remote/bot-call.error';
import { CircuitBreaker } from './circuit-breaker';
import { AbortableBotConnector, ResilientBotConnector } from './resilient-bot';

const input: BotInput = { conversationId: 'c', pageId: 'p', customerId: 'u', text: 'hi' };
const ok: BotReply = { intent: 'greet', confidence: 0.9, answer: [{ kind: 'text', text: 'Hi' }], fallback: [], handoverRequested: false };

class ScriptedBot implements AbortableBotConnector {
  readonly name = 'scripted';
  calls = 0;
  sawAbort = false;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  async reply(_input: BotInput, signal?: AbortSignal): Promise<BotReply> {
    this.calls++;
    if (this.mode === 'fail') throw new BotCallError(this.name, 'http_status', 'answered HTTP 500');
    if (this.mode === 'hang') {
      return new Promise((_, reject) =>
        signal?.addEventListener('abort', () => {
          this.sawAbort = true;
          reject(new Error('aborted'));
        }),
      );
    }
    return ok;
  }
}

describe('ResilientBotConnector', () => {
  it('should pass a healthy answer through', async () => {
    const inner = new ScriptedBot();
    const bot = new ResilientBotConnector(inner, {
      timeoutMs: 1000,
      breaker: new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 }),
    });
    await expect(bot.reply(input)).resolves.toBe(ok);
    expect(bot.name).toBe('scripted');
  });

  it('should give up at the deadline, abort the call and say so', async () => {
    const inner = new ScriptedBot();
    inner.mode = 'hang';
    const bot = new ResilientBotConnector(inner, { timeoutMs: 50, breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 }) });
    const started = Date.now();
    await expect(bot.reply(input)).rejects.toMatchObject({ kind: 'timeout', message: 'scripted bot: no answer within 50 ms' });
    expect(Date.now() - started).toBeLessThan(500);
    expect(inner.sawAbort).toBe(true);
  });

  it('should stop calling once the circuit opens, and call again after the cool-down', async () => {
    const clock = { t: 0 };
    const inner = new ScriptedBot();
    inner.mode = 'fail';
    const bot = new ResilientBotConnector(inner, {
      timeoutMs: 1000,
      breaker: new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000, now: () => clock.t }),
    });
    await expect(bot.reply(input)).rejects.toMatchObject({ kind: 'http_status' });
    await expect(bot.reply(input)).rejects.toMatchObject({ kind: 'http_status' });
    await expect(bot.reply(input)).rejects.toMatchObject({
      kind: 'circuit_open',
      message: expect.stringContaining('circuit open after 2 consecutive failures'),
    });
    expect(inner.calls).toBe(2);
    inner.mode = 'ok';
    clock.t = 1000;
    await expect(bot.reply(input)).resolves.toBe(ok);
    expect(inner.calls).toBe(3);
    expect(bot.breaker.state).toBe('CLOSED');
  });
});
