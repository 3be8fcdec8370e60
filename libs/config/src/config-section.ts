import { ValidateBy, ValidationOptions } from 'class-validator';
import { CcmConfig } from './ccm-config';
import { Env, isParsableUrl } from './load-ccm-config';

/** Where a section reports while it reads: into the same lists as the rest of the configuration. */
export interface ConfigReport {
  /** One line per bad variable: `NAME: reason` (never a secret value). */
  readonly problems: string[];
  /** Startup warnings (never a secret value). */
  readonly warnings: string[];
  /** Secret values read (tokens, keys), so logs cut them out like every other configured secret. */
  readonly secrets: string[];
}

/**
 * The variables of a pluggable part that owns them (a bot connector reads `RASA_URL`, not the config
 * lib), read with the rest of the environment by `loadCcmConfig(env, now, sections)`: its problems join
 * the one startup message, and what it read is kept in `config.sections[name]` (see `sectionOf`).
 */
export interface ConfigSection<T> {
  readonly name: string;
  read(env: Env, report: ConfigReport): T;
}

/** What `section` read when the configuration was loaded; throws when it was loaded without it. */
export function sectionOf<T>(config: CcmConfig, section: Pick<ConfigSection<T>, 'name'>): T {
  if (!(section.name in config.sections))
    throw new Error(`The configuration was loaded without its "${section.name}" section (load it as the app does: loadAppConfig)`);
  return config.sections[section.name] as T;
}

/** For a section's variables DTO: the value parses as a URL with a host (a pattern alone lets `http://exa_mple:99999` through). */
export function IsParsableUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isParsableUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isParsableUrl(value),
        defaultMessage: () => 'is not a valid URL',
      },
    },
    options,
  );
}
