import { Env, InvalidConfigError, loadCcmConfig } from '@app/config';

/** The problems `loadCcmConfig` reports for `env` (empty when it is valid). */
export function configProblems(env: Env): string[] {
  try {
    loadCcmConfig(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) return [...error.problems];
    throw error;
  }
  return [];
}
