#!/usr/bin/env node
/**
 * Scaffolds a new bot connector: `npm run generate:bot-connector -- <name> [--root <repo dir>]`.
 *
 * Writes libs/bot/src/<name>/ (its definition with its own variables, a remote connector for an
 * example exchange, and their specs), names it in the bot lib's index.ts and adds the one line of
 * wiring: the connector in BOT_CONNECTORS (apps/ccm/src/bot-connectors.ts). Then `BOT_CONNECTOR=<name>`
 * selects it. What stays with you: the bot's real API (the TODOs), its variables in .env.example and
 * its row in docs/bot-connectors.md. Plain Node (no build step), so it runs on a fresh checkout.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { parseScaffoldArgs, scaffoldNames } = require('./scaffold-names');

const WIRING = path.join('apps', 'ccm', 'src', 'bot-connectors.ts');
const BOT_INDEX = path.join('libs', 'bot', 'src', 'index.ts');

function main(argv) {
  const args = parseScaffoldArgs(argv, 'usage: npm run generate:bot-connector -- <name>   (kebab-case, e.g. "dialogflow" or "my-bot")');
  if (!args) return 1;
  const { root, name } = args;
  let result;
  try {
    result = generateBotConnector(root, name);
  } catch (error) {
    process.stderr.write(`generate:bot-connector: ${error.message}\n`);
    return 1;
  }
  process.stdout.write(
    `Created ${result.files.map((f) => path.relative(root, f)).join('\n        ')}\n` +
      `Exported ${result.definition} from ${BOT_INDEX} and listed it in BOT_CONNECTORS (${WIRING}).\n` +
      `Next: BOT_CONNECTOR=${name} with ${result.variables.join(' and ')}; replace the example exchange (the TODOs), ` +
      'add the variables to .env.example and a row to docs/bot-connectors.md.\n',
  );
  return 0;
}

/** Generates the connector under `root`; returns what it wrote. Throws if the kind or its variables exist. */
function generateBotConnector(root, name) {
  const { pascal, camel, constant } = scaffoldNames(name);
  const definition = `${camel}Connector`;
  const variables = [`${constant}_URL`, `${constant}_TOKEN`];
  const dir = path.join(root, 'libs', 'bot', 'src', name);
  if (fs.existsSync(dir)) throw new Error(`libs/bot/src/${name} already exists`);
  const taken = takenNames(root);
  for (const word of [definition, ...variables])
    if (new RegExp(`\\b${word}\\b`).test(taken))
      throw new Error(`${word} is already used by another connector or setting; choose another name`);
  if (taken.includes(`kind: '${name}'`)) throw new Error(`a bot connector of kind ${name} already exists`);

  // Everything that can refuse is decided before the first write: a refusal leaves the tree as it was.
  const wiring = wired(root, definition);
  const files = templates({ name, pascal, constant, definition, variables });

  fs.mkdirSync(dir, { recursive: true });
  const written = Object.entries(files).map(([file, text]) => {
    const target = path.join(dir, file);
    fs.writeFileSync(target, text);
    return target;
  });
  const index = path.join(root, BOT_INDEX);
  fs.appendFileSync(index, `export { ${definition} } from './${name}/${name}.definition';\n`);
  fs.writeFileSync(path.join(root, WIRING), wiring);
  format(root, [...written, index, path.join(root, WIRING)]);
  return { files: written, definition, variables };
}

/** The connector kinds, connector names and variables already in use (the bot lib and the environment DTO). */
function takenNames(root) {
  const texts = [];
  const collect = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) collect(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) texts.push(fs.readFileSync(p, 'utf8'));
    }
  };
  collect(path.join(root, 'libs', 'bot', 'src'));
  collect(path.join(root, 'libs', 'config', 'src'));
  return texts.join('\n');
}

/**
 * The wiring file with its one new line: the connector joins BOT_CONNECTORS (last, so the default
 * stays the first listed). Only computed: the caller writes it once nothing can refuse any more.
 */
function wired(root, definition) {
  const text = fs.readFileSync(path.join(root, WIRING), 'utf8');
  const importLine = /import \{([^}]*)\} from '@app\/bot';/;
  const list = /(export const BOT_CONNECTORS\b[^=]*=\s*\[)([^\]]*?)(,?\s*\];)/;
  if (!importLine.test(text) || !list.test(text))
    throw new Error(`${WIRING} has no BOT_CONNECTORS list imported from @app/bot: add ${definition} to it by hand`);
  return text
    .replace(importLine, (_, names) => `import {${names.trimEnd()}, ${definition} } from '@app/bot';`)
    .replace(list, (_, head, items, tail) => `${head}${items.trimEnd()}, ${definition}${tail}`);
}

/** Prettier, as `npm run lint` checks it (skipped when the checkout has no node_modules yet). */
function format(root, files) {
  const prettier = path.join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  if (fs.existsSync(prettier)) execFileSync(process.execPath, [prettier, '--write', '--log-level', 'warn', ...files], { cwd: root });
}

function templates({ name, pascal, constant, definition, variables: [URL, TOKEN] }) {
  return {
    [`${name}.definition.ts`]: `import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { IsParsableUrl } from '@app/config';
import { BotConnectorDefinition } from '../bot-connector.definition';
import { ${pascal}BotConnector, ${pascal}BotSettings } from './${name}-bot.connector';

/** The ${name} connector's variables, checked at startup whichever connector runs (docs/bot-connectors.md). */
export class ${pascal}BotVariables {
  @IsOptional()
  @Matches(/^https?:\\/\\/[^\\s]+$/, { message: 'must be an http(s) URL' })
  @IsParsableUrl()
  ${URL}?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  ${TOKEN}?: string;
}

/** \`BOT_CONNECTOR=${name}\`: TODO: which bot this is. A remote bot, under the deadline and the circuit breaker. */
export const ${definition}: BotConnectorDefinition<${pascal}BotSettings> = {
  kind: '${name}',
  variables: ${pascal}BotVariables,
  secretVariables: ['${TOKEN}'],
  requiredVariables: ['${URL}', '${TOKEN}'],
  options(env, secrets) {
    secrets.push(env.${TOKEN} as string);
    return { url: env.${URL} as string, token: env.${TOKEN} as string };
  },
  create: (settings, { guarded, defaultFallback }) => guarded(new ${pascal}BotConnector({ ...settings, defaultFallback }), settings.url),
};
`,
    [`${name}-bot.connector.ts`]: `import { RichMessage } from '@app/templates';
import { BotInput, BotReply } from '../bot.types';
import { BotCallError } from '../remote/bot-call.error';
import { postJson } from '../remote/post-json';
import { AbortableBotConnector } from '../resilience/resilient-bot';

export interface ${pascal}BotSettings {
  readonly url: string;
  /** ${TOKEN}: sent as a bearer token, never in the URL. */
  readonly token: string;
}

/**
 * The ${name} bot, one POST per customer turn. TODO: replace the example exchange with the bot's
 * real API: \`{ sessionId, text, payload? }\` → \`{ intent?, confidence (0..1), texts: string[], handover? }\`.
 */
export class ${pascal}BotConnector implements AbortableBotConnector {
  readonly name = '${name}';

  constructor(private readonly options: ${pascal}BotSettings & { readonly defaultFallback: RichMessage[] }) {}

  async reply(input: BotInput, signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<BotReply> {
    const body = JSON.stringify({ sessionId: input.conversationId, text: input.text, payload: input.payload });
    const answer = await postJson(this.name, this.options.url, body, { authorization: \`Bearer \${this.options.token}\` }, signal);
    return parse${pascal}Answer(answer, this.options.defaultFallback);
  }
}

/** The bot's answer as the turn's reply; anything else is a failed turn (\`bad_response\`), never a guess. */
export function parse${pascal}Answer(answer: unknown, defaultFallback: RichMessage[]): BotReply {
  const { intent, confidence, texts, handover } = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) throw breaks('confidence: must be a number in 0..1');
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw breaks('texts: must be an array of strings');
  if (intent !== undefined && intent !== null && typeof intent !== 'string') throw breaks('intent: must be a string or null');
  return {
    intent: typeof intent === 'string' ? intent : undefined,
    confidence,
    answer: texts.map((text: string): RichMessage => ({ kind: 'text', text })),
    fallback: defaultFallback,
    handoverRequested: handover === true,
  };
}

function breaks(reason: string): BotCallError {
  return new BotCallError('${name}', 'bad_response', \`answer breaks the contract: \${reason}\`);
}
`,
    [`${name}.definition.spec.ts`]: `import { CcmConfig, Env, InvalidConfigError, loadCcmConfig, sectionOf } from '@app/config';
import { BOT_CONNECTOR_SECTION, botConnectorSection, SelectedBotConnector } from '../bot-connector.definition';
import { createBotConnector } from '../bot-connector.factory';
import { ${definition} } from './${name}.definition';

// Only this connector: a connector's folder imports no other connector (apps/ccm/src/architecture.spec.ts).
const load = (env: Env): CcmConfig => loadCcmConfig(env, new Date(), [botConnectorSection([${definition}])]);

function problemsOf(env: Env): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('${definition}', () => {
  const env = { BOT_CONNECTOR: '${name}', ${URL}: 'https://bot.example/turn', ${TOKEN}: 'token-0123456789abcdef' };

  it('should be selected by BOT_CONNECTOR=${name} with its options, its token kept among the secrets logs cut out', () => {
    const config = load(env);
    expect(sectionOf<SelectedBotConnector | undefined>(config, { name: BOT_CONNECTOR_SECTION })).toEqual({
      definition: ${definition},
      options: { url: 'https://bot.example/turn', token: 'token-0123456789abcdef' },
    });
    expect(config.sectionSecrets).toEqual(['token-0123456789abcdef']);
    const bot = createBotConnector(config);
    expect([bot.name, bot.constructor.name]).toEqual(['${name}', 'ResilientBotConnector']);
  });

  it('should name each missing or bad variable at startup, never echoing the token', () => {
    expect(problemsOf({ BOT_CONNECTOR: '${name}' })).toEqual([
      '${URL}: must be set when BOT_CONNECTOR=${name}',
      '${TOKEN}: must be set when BOT_CONNECTOR=${name}',
    ]);
    const problems = problemsOf({ ...env, ${URL}: 'bot.example', ${TOKEN}: 'short' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['${URL}', '${TOKEN}']);
    expect(problems.join('\\n')).not.toContain('short');
  });
});
`,
    [`${name}-bot.connector.spec.ts`]: `import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { BotCallError } from '../remote/bot-call.error';
import { ${pascal}BotConnector } from './${name}-bot.connector';

const FALLBACK = [{ kind: 'text' as const, text: 'Sorry?' }];

/** The bot over real HTTP: a local server answers what the test sets and records what it was sent. */
describe('${pascal}BotConnector', () => {
  let server: Server;
  let url: string;
  let answer: string;
  const received: { headers: IncomingHttpHeaders; body: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = \`http://127.0.0.1:\${(server.address() as AddressInfo).port}/turn\`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const bot = () => new ${pascal}BotConnector({ url, token: 'token-0123456789abcdef', defaultFallback: FALLBACK });
  const turn = { conversationId: 'c1', pageId: 'p1', customerId: 'u1', text: 'hello' };

  it("should send the turn with the bearer token and map the bot's answer", async () => {
    answer = JSON.stringify({ intent: 'greet', confidence: 0.9, texts: ['Hi!', 'How can I help?'] });
    expect(await bot().reply(turn)).toEqual({
      intent: 'greet',
      confidence: 0.9,
      answer: [
        { kind: 'text', text: 'Hi!' },
        { kind: 'text', text: 'How can I help?' },
      ],
      fallback: FALLBACK,
      handoverRequested: false,
    });
    expect(received.at(-1)).toMatchObject({ headers: { authorization: 'Bearer token-0123456789abcdef' }, body: { sessionId: 'c1', text: 'hello' } });
  });

  it('should take a hand-over request', async () => {
    answer = JSON.stringify({ intent: 'human', confidence: 1, texts: [], handover: true });
    expect(await bot().reply(turn)).toMatchObject({ intent: 'human', handoverRequested: true, answer: [] });
  });

  it('should fail the turn on an answer that breaks the contract', async () => {
    answer = JSON.stringify({ confidence: 'high', texts: [] });
    await expect(bot().reply(turn)).rejects.toEqual(new BotCallError('${name}', 'bad_response', 'answer breaks the contract: confidence: must be a number in 0..1'));
  });
});
`,
  };
}

module.exports = { generateBotConnector };
if (require.main === module) process.exitCode = main(process.argv);
