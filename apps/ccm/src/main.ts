import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { CcmConfig, Env, InvalidConfigError, LOCAL_MODE_CREDENTIALS, loadCcmConfig } from '@app/config';
import { GraphApiDouble } from '@app/graph-double';
import { createApp } from './create-app';
import { assertPortsFree, StartupError, waitForDatabase } from './startup-checks';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const logger = new Logger('ccm');
  const env = { ...process.env };

  // 1. The whole environment is validated before anything listens (one message naming every problem).
  let config = loadConfigOrExit(env);
  // 2. Every port ccm will listen on is free, named by the variable that sets it.
  await assertPortsFree([
    { variable: 'PORT', port: config.port },
    ...(config.localMode ? [{ variable: 'LOCAL_GRAPH_PORT', port: config.localGraphPort, host: '127.0.0.1' }] : []),
  ]);

  // 3. PostgreSQL still booting (compose, a restart) is waited for, one line per attempt.
  await waitForDatabase(config.database, { timeoutMs: config.database.connectTimeoutMs ?? 30_000, log: (line) => logger.warn(line) });

  let graphDouble: GraphApiDouble | undefined;
  if (config.localMode) {
    // No Meta credentials: run against the built-in Graph API double so everything works offline.
    graphDouble = await GraphApiDouble.start({
      appSecret: LOCAL_MODE_CREDENTIALS.appSecret,
      pages: [
        {
          pageId: env.FACEBOOK_PAGE_ID ?? LOCAL_MODE_CREDENTIALS.pageId,
          accessToken: LOCAL_MODE_CREDENTIALS.pageAccessToken,
          name: env.FACEBOOK_USERNAME ?? 'ccm',
        },
      ],
      port: config.localGraphPort,
    });
    env.FACEBOOK_GRAPH_API_URL = graphDouble.url;
    config = loadConfigOrExit(env);
  }
  for (const warning of config.warnings) logger.warn(warning);

  const app = await createApp(config);
  await app.listen(config.port, '0.0.0.0');
  const base = `http://127.0.0.1:${config.port}`;
  logger.log(`ccm listening on ${base} (webhook: ${base}/ccm/webhook, database: ${config.database.dialect})`);
  if (config.localMode && graphDouble) {
    logger.warn(
      [
        'LOCAL MODE: no Facebook credentials configured (FACEBOOK_APP_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN, FACEBOOK_VERIFY_TOKEN).',
        `  Replies go to the built-in Graph API double at ${graphDouble.url}, never to Meta.`,
        `  Send a customer message:   npm run simulate -- "where is my order"`,
        `  Verify handshake:          curl "${base}/ccm/webhook?hub.mode=subscribe&hub.verify_token=${LOCAL_MODE_CREDENTIALS.verifyToken}&hub.challenge=42"`,
        `  What the double received:  curl ${graphDouble.origin}/_double/requests`,
        `  Agent desk:                ${base}/agent (create agents with x-admin-key: ${LOCAL_MODE_CREDENTIALS.adminApiKey}; API docs ${base}/api/docs)`,
      ].join('\n'),
    );
    app.getHttpServer().once('close', () => void graphDouble?.stop());
  }
}

function loadConfigOrExit(env: Env): CcmConfig {
  try {
    return loadCcmConfig(env);
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
