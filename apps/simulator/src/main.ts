/**
 * The Messenger simulator on its own (docker-compose profile `simulator`, or next to a ccm started
 * elsewhere). Point ccm at it with FACEBOOK_GRAPH_API_URL=<origin>/v24.0 and the same app secret and
 * Page token; `npm start` in local mode runs it inside ccm's process instead.
 *
 *   SIMULATOR_PORT=3001 CCM_WEBHOOK_URL=http://127.0.0.1:3000/ccm/webhook \
 *   [SIMULATOR_PUBLIC_URL=<origin browsers use>] [SIMULATOR_INTERNAL_URL=<origin ccm uses>] \
 *   FACEBOOK_APP_SECRET=… FACEBOOK_PAGE_ACCESS_TOKEN=… FACEBOOK_PAGE_ID=… node dist/…/simulator/src/main.js
 */
import { LOCAL_MODE_CREDENTIALS } from '@app/config';
import { MessengerSimulatorServer } from './simulator';

async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.SIMULATOR_PORT ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(
      `simulator cannot start: SIMULATOR_PORT must be a whole number from 0 to 65535 (got ${JSON.stringify(env.SIMULATOR_PORT)})\n`,
    );
    process.exit(1);
  }
  const simulator = await MessengerSimulatorServer.start({
    appSecret: env.FACEBOOK_APP_SECRET || LOCAL_MODE_CREDENTIALS.appSecret,
    pages: [
      {
        pageId: env.FACEBOOK_PAGE_ID || LOCAL_MODE_CREDENTIALS.pageId,
        accessToken: env.FACEBOOK_PAGE_ACCESS_TOKEN || LOCAL_MODE_CREDENTIALS.pageAccessToken,
        name: env.FACEBOOK_USERNAME || 'ccm',
      },
    ],
    instagramAccountId: env.FACEBOOK_INSTAGRAM_ACCOUNT_ID || LOCAL_MODE_CREDENTIALS.instagramAccountId,
    webhookUrl: env.CCM_WEBHOOK_URL ?? 'http://127.0.0.1:3000/ccm/webhook',
    port,
    host: env.SIMULATOR_HOST ?? '0.0.0.0',
    publicUrl: env.SIMULATOR_PUBLIC_URL,
    internalUrl: env.SIMULATOR_INTERNAL_URL,
    log: (line) => process.stderr.write(`simulator: ${line}\n`),
  });
  process.stdout.write(
    `Messenger simulator on ${simulator.origin} (Graph API: ${simulator.origin}/${simulator.graph.version}), delivering webhooks to ${env.CCM_WEBHOOK_URL ?? 'http://127.0.0.1:3000/ccm/webhook'}\n`,
  );
  const stop = () => void simulator.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulator cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
