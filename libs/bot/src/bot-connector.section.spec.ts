import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsOptional, Matches } from 'class-validator';
import { CcmConfig, Env, InvalidConfigError, loadCcmConfig, sectionOf } from '@app/config';
import { BOT_CONNECTOR_SECTION, BotConnectorDefinition, botConnectorSection, SelectedBotConnector } from './bot-connector.definition';
import { createBotConnector } from './bot-connector.factory';
import { BotInput } from './bot.types';
import { embeddedConnector } from './embedded/embedded.definition';
import { httpConnector } from './http/http.definition';
import { rasaConnector } from './rasa/rasa.definition';

const CONNECTORS = [embeddedConnector, rasaConnector, httpConnector] as readonly BotConnectorDefinition<unknown>[];
const load = (env: Env, connectors = CONNECTORS): CcmConfig => loadCcmConfig(env, new Date(), [botConnectorSection(connectors)]);
const selected = (env: Env) => sectionOf<SelectedBotConnector | undefined>(load(env), { name: BOT_CONNECTOR_SECTION });

function problemsOf(env: Env, connectors = CONNECTORS): string[] {
  try {
    load(env, connectors);
  } catch (error) {
    if (error instanceof InvalidConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('bot connector configuration (the bot-connector config section)', () => {
  it('should default to the first connector listed (embedded), with the shared 5 s timeout and 5-failure / 30 s circuit', () => {
    const config = load({});
    expect(config.bot).toEqual({ intentsFile: undefined, timeoutMs: 5000, circuit: { failureThreshold: 5, cooldownMs: 30_000 } });
    expect(selected({})).toEqual({ definition: embeddedConnector, options: undefined });
  });

  it('should configure Rasa with its token and hand-over intents, and keep the token among the secrets logs cut out', () => {
    const config = load({
      BOT_CONNECTOR: 'rasa',
      RASA_URL: 'http://rasa:5005',
      RASA_TOKEN: 'tok-0123',
      RASA_HANDOVER_INTENTS: 'human, handoff',
      BOT_TIMEOUT_MS: '1500',
    });
    expect(config.bot.timeoutMs).toBe(1500);
    expect(sectionOf(config, { name: BOT_CONNECTOR_SECTION })).toEqual({
      definition: rasaConnector,
      options: { url: 'http://rasa:5005', token: 'tok-0123', handoverIntents: ['human', 'handoff'] },
    });
    expect(config.sectionSecrets).toEqual(['tok-0123']);
  });

  it('should configure the HTTP bot and the circuit breaker', () => {
    const env = {
      BOT_CONNECTOR: 'http',
      BOT_HTTP_URL: 'https://bot.example/turn',
      BOT_HTTP_SECRET: 'bot-secret-0123456789',
      BOT_CIRCUIT_FAILURES: '2',
      BOT_CIRCUIT_COOLDOWN_MS: '800',
    };
    expect(selected(env)).toEqual({
      definition: httpConnector,
      options: { url: 'https://bot.example/turn', secret: 'bot-secret-0123456789' },
    });
    expect(load(env).bot.circuit).toEqual({ failureThreshold: 2, cooldownMs: 800 });
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

  it('should refuse an unknown connector, a bad URL, a short secret and out-of-range numbers in one message, never echoing the secret', () => {
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

  it('should refuse a URL that matches the pattern but does not parse', () => {
    expect(
      problemsOf({ BOT_CONNECTOR: 'http', BOT_HTTP_URL: 'http://exa_mple:99999/x', BOT_HTTP_SECRET: 'bot-secret-0123456789' }),
    ).toEqual(['BOT_HTTP_URL: is not a valid URL (got "http://exa_mple:99999/x")']);
  });

  it("should warn when a connector's variable is set but another connector is selected", () => {
    expect(load({ RASA_URL: 'http://rasa:5005' }).warnings).toContain(
      'RASA_URL is set but BOT_CONNECTOR=embedded: it is ignored (set BOT_CONNECTOR=rasa to use it)',
    );
  });

  it('should refuse two connectors of one kind', () => {
    expect(() => botConnectorSection([embeddedConnector, embeddedConnector])).toThrow('Two bot connectors are named "embedded"');
  });

  it('should take a connector added to the list — its kind, its own variables and its bot — with no other change', async () => {
    // A connector as a new folder would define it (docs/bot-connectors.md, "Adding a connector").
    class EchoVariables {
      @IsOptional()
      @Matches(/^[a-z]+$/, { message: 'must be lower-case letters' })
      ECHO_BOT_PREFIX?: string;
    }
    const echoConnector: BotConnectorDefinition<{ prefix: string }> = {
      kind: 'echo',
      variables: EchoVariables,
      requiredVariables: ['ECHO_BOT_PREFIX'],
      options: (env) => ({ prefix: env.ECHO_BOT_PREFIX as string }),
      create: ({ prefix }) => ({
        name: 'echo',
        reply: async (input: BotInput) => ({
          intent: 'echo',
          confidence: 1,
          answer: [{ kind: 'text', text: `${prefix}: ${input.text}` }],
          fallback: [],
          handoverRequested: false,
        }),
      }),
    };
    const connectors = [...CONNECTORS, echoConnector as BotConnectorDefinition<unknown>];

    expect(problemsOf({ BOT_CONNECTOR: 'echo' }, connectors)).toEqual(['ECHO_BOT_PREFIX: must be set when BOT_CONNECTOR=echo']);
    expect(problemsOf({ BOT_CONNECTOR: 'echo', ECHO_BOT_PREFIX: 'Echo!' }, connectors)).toEqual([
      'ECHO_BOT_PREFIX: must be lower-case letters (got "Echo!")',
    ]);
    expect(problemsOf({ BOT_CONNECTOR: 'nope' }, connectors)[0]).toContain('must be one of embedded, rasa, http, echo');

    const bot = createBotConnector(load({ BOT_CONNECTOR: 'echo', ECHO_BOT_PREFIX: 'echo' }, connectors));
    const reply = await bot.reply({ conversationId: 'c', pageId: 'p', customerId: 'u', text: 'hi' });
    expect(reply.answer).toEqual([{ kind: 'text', text: 'echo: hi' }]);
  });

  it('should build the selected connector: the embedded bot in-process, a remote one under the deadline and circuit breaker', () => {
    expect(createBotConnector(load({})).constructor.name).toBe('EmbeddedBot');
    const rasa = createBotConnector(load({ BOT_CONNECTOR: 'rasa', RASA_URL: 'http://127.0.0.1:9' }));
    expect([rasa.name, rasa.constructor.name]).toEqual(['rasa', 'ResilientBotConnector']);
  });

  it('should report a BOT_INTENTS_FILE that is missing, not JSON, the wrong shape or has an invalid answer, with the rest of the configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccm-intents-'));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const valid = { fallback: 'Sorry?', intents: [{ name: 'hi', examples: ['hello'], answer: 'Hi!' }] };
    try {
      const missing = join(dir, 'nope.json');
      expect(problemsOf({ BOT_INTENTS_FILE: missing, PORT: 'abc' })).toEqual([
        'PORT: must be a whole number from 0 to 65535 (got "abc")',
        `BOT_INTENTS_FILE: cannot read "${missing}" (ENOENT)`,
      ]);
      const broken = file('broken.json', '{"fallback": ');
      expect(problemsOf({ BOT_INTENTS_FILE: broken })).toEqual([
        expect.stringMatching(/^BOT_INTENTS_FILE: ".*broken\.json" is not valid JSON \(/),
      ]);
      const shapeless = file('shapeless.json', '{"intents": []}');
      expect(problemsOf({ BOT_INTENTS_FILE: shapeless })).toEqual([
        `BOT_INTENTS_FILE: "${shapeless}": expected {"fallback": answer, "intents": [{name, examples[], answer}]}`,
      ]);
      const badAnswer = { ...valid, intents: [{ ...valid.intents[0], answer: { kind: 'buttons', text: 'Pick', buttons: [] } }] };
      expect(problemsOf({ BOT_INTENTS_FILE: file('bad-answer.json', JSON.stringify(badAnswer)) })).toEqual([
        expect.stringMatching(
          /^BOT_INTENTS_FILE: ".*bad-answer\.json": intents\.hi\.answer\[0\]: Invalid rich message \(1 violation\): buttons: at least 1 button$/,
        ),
      ]);
      expect(problemsOf({ BOT_INTENTS_FILE: file('valid.json', JSON.stringify(valid)) })).toEqual([]);
      // A remote bot uses only the fallback: intents it never reads do not stop startup; a bad fallback does.
      const remote = { BOT_CONNECTOR: 'rasa', RASA_URL: 'http://rasa:5005' };
      const fallbackOnly = file('fallback-only.json', JSON.stringify({ fallback: 'One moment, please.' }));
      expect(problemsOf({ ...remote, BOT_INTENTS_FILE: fallbackOnly })).toEqual([]);
      expect(problemsOf({ ...remote, BOT_INTENTS_FILE: file('bad-intent.json', JSON.stringify(badAnswer)) })).toEqual([]);
      expect(problemsOf({ ...remote, BOT_INTENTS_FILE: shapeless })).toEqual([
        `BOT_INTENTS_FILE: "${shapeless}": expected {"fallback": answer} (the remote bot's fallback)`,
      ]);
      const badFallback = file('bad-fallback.json', JSON.stringify({ fallback: { kind: 'buttons', text: 'Pick', buttons: [] } }));
      expect(problemsOf({ ...remote, BOT_INTENTS_FILE: badFallback })).toEqual([
        expect.stringMatching(/^BOT_INTENTS_FILE: ".*bad-fallback\.json": fallback\[0\]: Invalid rich message/),
      ]);
      // ... and it starts with it (before: the factory refused the file too).
      const rasa = createBotConnector(load({ ...remote, BOT_INTENTS_FILE: fallbackOnly }));
      expect(rasa.name).toBe('rasa');
      // The embedded bot still needs the whole file.
      expect(problemsOf({ BOT_INTENTS_FILE: fallbackOnly })).toEqual([
        `BOT_INTENTS_FILE: "${fallbackOnly}": expected {"fallback": answer, "intents": [{name, examples[], answer}]}`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should say so when the configuration was loaded without the bot connector section', () => {
    expect(() => createBotConnector(loadCcmConfig({}))).toThrow('loaded without its "bot-connector" section');
  });
});
