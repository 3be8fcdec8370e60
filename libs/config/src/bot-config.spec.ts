import { configProblems } from '@app/testing';
import { loadCcmConfig } from './load-ccm-config';

const problemsOf = configProblems;

describe('bot connector configuration', () => {
  it('should default to the embedded bot with a 5 s timeout and a 5-failure / 30 s circuit', () => {
    expect(loadCcmConfig({}).bot).toEqual({
      intentsFile: undefined,
      connector: 'embedded',
      timeoutMs: 5000,
      circuit: { failureThreshold: 5, cooldownMs: 30_000 },
      rasa: undefined,
      http: undefined,
    });
  });

  it('should configure Rasa with its token and hand-over intents', () => {
    const bot = loadCcmConfig({
      BOT_CONNECTOR: 'rasa',
      RASA_URL: 'http://rasa:5005',
      RASA_TOKEN: 'tok',
      RASA_HANDOVER_INTENTS: 'human, handoff',
      BOT_TIMEOUT_MS: '1500',
    }).bot;
    expect(bot).toMatchObject({
      connector: 'rasa',
      timeoutMs: 1500,
      rasa: { url: 'http://rasa:5005', token: 'tok', handoverIntents: ['human', 'handoff'] },
    });
  });

  it('should configure the HTTP bot and the circuit breaker', () => {
    const bot = loadCcmConfig({
      BOT_CONNECTOR: 'http',
      BOT_HTTP_URL: 'https://bot.example/turn',
      BOT_HTTP_SECRET: 'bot-secret-0123456789',
      BOT_CIRCUIT_FAILURES: '2',
      BOT_CIRCUIT_COOLDOWN_MS: '800',
    }).bot;
    expect(bot).toMatchObject({
      connector: 'http',
      http: { url: 'https://bot.example/turn', secret: 'bot-secret-0123456789' },
      circuit: { failureThreshold: 2, cooldownMs: 800 },
    });
  });

  it('should fail with one problem naming RASA_URL when BOT_CONNECTOR=rasa has no URL', () => {
    expect(problemsOf({ BOT_CONNECTOR: 'rasa' })).toEqual(['RASA_URL: must be set when BOT_CONNECTOR=rasa']);
  });

  it('should name both missing HTTP bot variables', () => {
    expect(problemsOf({ BOT_CONNECTOR: 'http' })).toEqual([
      'BOT_HTTP_URL: must be set when BOT_CONNECTOR=http',
      'BOT_HTTP_SECRET: must be set when BOT_CONNECTOR=http',
    ]);
  });

  it('should refuse an unknown connector, a bad URL, a short secret and out-of-range numbers, never echoing the secret', () => {
    const problems = problemsOf({
      BOT_CONNECTOR: 'dialogflow',
      RASA_URL: 'rasa:5005',
      BOT_HTTP_SECRET: 'hunter2',
      BOT_TIMEOUT_MS: '10',
      BOT_CIRCUIT_FAILURES: '0',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'BOT_CIRCUIT_FAILURES',
      'BOT_CONNECTOR',
      'BOT_HTTP_SECRET',
      'BOT_TIMEOUT_MS',
      'RASA_URL',
    ]);
    expect(problems.find((p) => p.startsWith('BOT_CONNECTOR'))).toContain('must be one of embedded, rasa, http');
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('should warn when a remote bot URL is set but another connector is selected', () => {
    expect(loadCcmConfig({ RASA_URL: 'http://rasa:5005' }).warnings).toContain(
      'RASA_URL is set but BOT_CONNECTOR=embedded: it is ignored (set BOT_CONNECTOR=rasa to use it)',
    );
  });
});
