import { botConnectorSection } from '@app/bot';
import { CcmConfig, ConfigSection, Env, loadCcmConfig } from '@app/config';
import { BOT_CONNECTORS } from './bot-connectors';

/** The variables pluggable parts own and read themselves (see `ConfigSection`). */
export const APP_CONFIG_SECTIONS: readonly ConfigSection<unknown>[] = [botConnectorSection(BOT_CONNECTORS)];

/** The app's configuration: the whole environment, the sections included, checked in one pass (one message naming every problem). */
export function loadAppConfig(env: Env, now: Date = new Date()): CcmConfig {
  return loadCcmConfig(env, now, APP_CONFIG_SECTIONS);
}
