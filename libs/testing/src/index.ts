export {
  createPostgresTestDatabase,
  dropPostgresSchema,
  postgresTestDatabase,
  sqliteTestDatabase,
  TEST_DIALECTS,
  TEST_PG_URL,
  testDatabase,
} from './test-database';
export { DEFAULT_HTTP_BOT_SCRIPT, DEFAULT_RASA_SCRIPT, HttpBotDouble, RasaDouble, ScriptedHttpServer } from './bot-doubles';
export type { DoubleFault, HttpBotScript, RasaScriptEntry, RecordedBotRequest } from './bot-doubles';
export { configProblems } from './config-problems';
export { FakeClock } from './fake-clock';
export { confident, ScriptedBot } from './scripted-bot';
export { RecordingChannel } from './recording-channel';
