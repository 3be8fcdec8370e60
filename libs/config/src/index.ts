export * from './ccm-config';
export * from './ccm-config.module';
export * from './load-ccm-config';
export * from './graph-version.util';
export { BUSINESS_HOURS_PATTERN, EnvironmentVariables, SECRET_VARIABLES } from './environment.dto';
export * from './redacted-config';
export type { ConfigReport, ConfigSection } from './config-section';
export { IsParsableUrl, sectionOf } from './config-section';
