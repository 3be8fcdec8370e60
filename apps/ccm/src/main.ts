import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { Logger as PinoLogger } from 'nestjs-pino';
import { CcmConfig, Env, InvalidConfigError, LOCAL_MODE_CREDENTIALS } from '@app/config';
import { MessengerSimulatorServer } from '../../simulator/src/simulator';
import { loadAppConfig } from './app-config';
import { createApp } from './create-app';
import { ensureDemoAgent, localModeBanner, startLocalSimulator, StartupChatterAtDebug } from './local-mode';
import { assertPortsFree, StartupError, waitForDatabase } from './startup-checks';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const logger = new Logger('ccm');
  const env = { ...process.env };

  // 1. The whole environment is validated before anything listens (one message naming every problem).
  let config = loadConfigOrExit(env);
  // 2. Every port ccm will listen on is free, named by the variable that sets it.
  await assertPortsFree([
    { variable: 'PORT', port: config.port, host: config.operations.bindAddress },
    ...(config.localMode ? [{ variable: 'LOCAL_GRAPH_PORT', port: config.localGraphPort, host: '127.0.0.1' }] : []),
  ]);

  // 3. PostgreSQL still booting (compose, a restart) is waited for, one line per attempt.
  await waitForDatabase(config.database, { timeoutMs: config.database.connectTimeoutMs ?? 30_000, log: (line) => logger.warn(line) });

  let simulator: MessengerSimulatorServer | undefined;
  if (config.localMode) {
    // No Meta credentials: the Messenger simulator plays Meta (Graph API double + a customer page).
    simulator = await startLocalSimulator(config, env);
    env.FACEBOOK_GRAPH_API_URL = simulator.graphUrl;
    config = loadConfigOrExit(env);
  }
  const app = await createApp(config);
  // After createApp: Nest's logger is the structured one now.
  for (const warning of config.warnings) logger.warn(warning);
  // Per-route and per-module startup lines are debug detail (they would bury the local-mode banner).
  app.useLogger(new StartupChatterAtDebug(app.get(PinoLogger)));
  // Local mode listens on loopback unless LOCAL_MODE_BIND says otherwise (its admin key is published).
  await app.listen(config.port, config.operations.bindAddress);
  app.getHttpServer().once('close', () => void simulator?.stop());
  const base = `http://127.0.0.1:${config.port}`;
  logger.log(`ccm listening on ${base} (webhook: ${base}/ccm/webhook, database: ${config.database.dialect})`);
  if (config.localMode && simulator) {
    const adminKey = config.agents.adminApiKey ?? LOCAL_MODE_CREDENTIALS.adminApiKey;
    const agent = config.agents.bridge === 'embedded' ? await ensureDemoAgent(base, adminKey) : 'external';
    process.stdout.write(localModeBanner({ base, simulator: simulator.origin, agent, adminKey, bridge: config.agents.bridge }));
  }
}

function loadConfigOrExit(env: Env): CcmConfig {
  try {
    return loadAppConfig(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) {
      process.stderr.write(`ccm cannot start. ${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) {
    process.stderr.write(`ccm cannot start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`ccm failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
