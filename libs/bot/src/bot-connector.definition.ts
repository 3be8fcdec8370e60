import { getMetadataStorage } from 'class-validator';
import { BotConfig, checkVariables, ConfigSection, Env } from '@app/config';
import { RichMessage } from '@app/templates';
import { BotConnector } from './bot.types';
import { IntentsFile, intentsFileProblem, IntentsUse } from './embedded-bot';
import { AbortableBotConnector } from './resilience/resilient-bot';

/** What every connector gets when it is created. */
export interface BotConnectorContext {
  /** The shared bot settings (intents file, deadline, circuit breaker). */
  readonly bot: BotConfig;
  /**
   * The intents file, loaded and validated (BOT_INTENTS_FILE or the bundled one) as far as the
   * connector uses it (`intents`: its intents are empty unless `all`).
   */
  readonly intents: IntentsFile;
  /** The intents file's fallback: what a remote bot says under BOT_ONLY when it gives none. */
  readonly defaultFallback: RichMessage[];
  /** A remote bot under the deadline (BOT_TIMEOUT_MS) and the circuit breaker (BOT_CIRCUIT_*). */
  guarded(inner: AbortableBotConnector, url: string): BotConnector;
}

/**
 * One bot connector, in its own folder (`libs/bot/src/<kind>/<kind>.definition.ts`, or a lib of its
 * own): its `BOT_CONNECTOR` value, the variables it owns and how it is built. The app lists the
 * connectors once (`apps/ccm/src/bot-connectors.ts`); nothing else names one. See
 * docs/bot-connectors.md, "Adding a connector".
 */
export interface BotConnectorDefinition<Options> {
  /** Its `BOT_CONNECTOR` value. */
  readonly kind: string;
  /**
   * Its own variables as a class-validator DTO (optional; `@IsOptional()` on each). They are checked
   * with the rest of the environment whichever connector is selected: a bad value is reported even
   * when unused, in the same one startup message.
   */
  readonly variables?: new () => object;
  /** Those of its variables whose values are secrets (never shown in a problem). */
  readonly secretVariables?: readonly string[];
  /** Those that must be set when it is selected (`RASA_URL: must be set when BOT_CONNECTOR=rasa`). */
  readonly requiredVariables?: readonly string[];
  /**
   * What it uses of the intents file (default `fallback`: a remote bot says the file's fallback under
   * BOT_ONLY when it gives none); only that is loaded and checked.
   */
  readonly intents?: IntentsUse;
  /** Its options from the (checked) environment; secret values go to `secrets` (cut out of logs). */
  options(env: Env, secrets: string[]): Options;
  create(options: Options, context: BotConnectorContext): BotConnector;
}

/** The connector `BOT_CONNECTOR` selected, with its options: what the bot connector section reads. */
export interface SelectedBotConnector {
  readonly definition: BotConnectorDefinition<unknown>;
  readonly options: unknown;
}

export const BOT_CONNECTOR_SECTION = 'bot-connector';

/** The names of the variables a DTO declares (its class-validator properties). */
function variableNames(dto: new () => object): string[] {
  const names = getMetadataStorage()
    .getTargetValidationMetadatas(dto, '', true, false)
    .map((m) => m.propertyName);
  return [...new Set(names)];
}

/**
 * Reads `BOT_CONNECTOR` (unset: the first connector listed) and every connector's variables, as a
 * config section: problems and warnings join the one startup message of `loadCcmConfig`.
 */
export function botConnectorSection(
  connectors: readonly BotConnectorDefinition<unknown>[],
): ConfigSection<SelectedBotConnector | undefined> {
  const kinds = connectors.map((c) => c.kind);
  const repeated = kinds.find((kind, i) => kinds.indexOf(kind) !== i);
  if (repeated) throw new Error(`Two bot connectors are named "${repeated}"`);
  if (connectors.length === 0) throw new Error('No bot connector is listed');
  return {
    name: BOT_CONNECTOR_SECTION,
    read(env, report) {
      const before = report.problems.length;
      const kind = env.BOT_CONNECTOR ?? kinds[0];
      const selected = connectors.find((c) => c.kind === kind);
      if (!selected) report.problems.push(`BOT_CONNECTOR: must be one of ${kinds.join(', ')} (got ${JSON.stringify(kind)})`);
      for (const connector of connectors) {
        if (!connector.variables) continue;
        report.problems.push(...checkVariables(connector.variables, env, new Set(connector.secretVariables)));
        if (connector === selected || !selected) continue;
        for (const name of variableNames(connector.variables).filter(
          (n) => env[n] !== undefined && !(connector.secretVariables ?? []).includes(n),
        ))
          report.warnings.push(
            `${name} is set but BOT_CONNECTOR=${selected.kind}: it is ignored (set BOT_CONNECTOR=${connector.kind} to use it)`,
          );
      }
      for (const name of selected?.requiredVariables ?? [])
        if (env[name] === undefined) report.problems.push(`${name}: must be set when BOT_CONNECTOR=${kind}`);
      // Every connector loads the intents file, as far as it uses it (remote bots: the fallback): checked here, with the rest.
      const intentsProblem =
        env.BOT_INTENTS_FILE === undefined ? undefined : intentsFileProblem(env.BOT_INTENTS_FILE, intentsUse(selected));
      if (intentsProblem) report.problems.push(`BOT_INTENTS_FILE: ${intentsProblem}`);
      if (!selected || report.problems.length > before) return undefined;
      return { definition: selected, options: selected.options(env, report.secrets) };
    },
  };
}

/** What the connector uses of the intents file (see `BotConnectorDefinition.intents`). */
export function intentsUse(connector: BotConnectorDefinition<unknown> | undefined): IntentsUse {
  return connector?.intents ?? 'fallback';
}
