export { CcmConfig } from './ccm-config';
export type { AgentDeskConfig, BotConfig, DatabaseConfig, LogLevel, OperationsConfig, PageConfig } from './ccm-config';
export { CcmConfigModule } from './ccm-config.module';
export type { CcmConfigModuleOptions } from './ccm-config.module';
export {
  checkVariables,
  InvalidConfigError,
  isKnownTimeZone,
  isLocalMode,
  isParsableUrl,
  loadCcmConfig,
  formatBusinessHours,
  LOCAL_MODE_CREDENTIALS,
  parseBusinessHours,
} from './load-ccm-config';
export type { Env } from './load-ccm-config';
export {
  DEFAULT_GRAPH_API_URL,
  GRAPH_VERSION_EXPIRY_NOTICE_MS,
  graphVersionExpiry,
  graphVersionOf,
  isExpiredGraphVersion,
} from './graph-version.util';
export { BUSINESS_HOURS_PATTERN, EnvironmentVariables, SECRET_VARIABLES } from './environment.dto';
export { REDACTED, redactedConfig } from './redacted-config';
export type { ConfigReport, ConfigSection } from './config-section';
export { IsParsableUrl, sectionOf } from './config-section';
