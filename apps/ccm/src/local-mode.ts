import { request } from 'node:http';
import { LoggerService } from '@nestjs/common';
import { CcmConfig, LOCAL_MODE_CREDENTIALS } from '@app/config';
import { MessengerSimulatorServer } from '../../simulator/src/simulator';

/** The demo agent `npm start` creates in local mode (local mode only: it never exists on a live deployment). */
export const DEMO_AGENT = { username: 'demo', password: 'demo-agent-password', displayName: 'Demo Agent' } as const;

/** Local mode: the Messenger simulator (Graph API double + customer page) on LOCAL_GRAPH_PORT, in ccm's process. */
export function startLocalSimulator(config: CcmConfig, env: NodeJS.ProcessEnv): Promise<MessengerSimulatorServer> {
  return MessengerSimulatorServer.start({
    appSecret: LOCAL_MODE_CREDENTIALS.appSecret,
    pages: [
      {
        pageId: env.FACEBOOK_PAGE_ID ?? LOCAL_MODE_CREDENTIALS.pageId,
        accessToken: LOCAL_MODE_CREDENTIALS.pageAccessToken,
        name: env.FACEBOOK_USERNAME ?? 'ccm',
      },
    ],
    instagramAccountId: env.FACEBOOK_INSTAGRAM_ACCOUNT_ID || LOCAL_MODE_CREDENTIALS.instagramAccountId,
    webhookUrl: `http://127.0.0.1:${config.port}/ccm/webhook`,
    port: config.localGraphPort,
    host: '127.0.0.1',
    log: (line) => process.stderr.write(`simulator: ${line}\n`),
  });
}

/**
 * Creates the demo agent through ccm's own admin API (already there after a restart: fine). The request
 * uses its own connection (no keep-alive): a pooled socket to ccm itself would hold shutdown open.
 */
export function ensureDemoAgent(base: string, adminKey: string): Promise<'created' | 'exists' | string> {
  const body = JSON.stringify(DEMO_AGENT);
  return new Promise((resolve) => {
    const req = request(
      `${base}/api/agents`,
      {
        method: 'POST',
        agent: false,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-admin-key': adminKey },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve(status === 200 || status === 201 ? 'created' : status === 409 ? 'exists' : `HTTP ${status}: ${text.slice(0, 200)}`);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(error.message));
    req.end(body);
  });
}

/** The one block `npm start` prints once everything is up: where to click and how to log in. */
export function localModeBanner(options: { base: string; simulator: string; agent: string; adminKey: string; bridge: string }): string {
  const line = '─'.repeat(72);
  const desk =
    options.bridge === 'embedded'
      ? [
          `  Agent desk:          ${options.base}/agent`,
          `  Demo login:          ${DEMO_AGENT.username} / ${DEMO_AGENT.password}${options.agent === 'created' || options.agent === 'exists' ? '' : `   (could not create it: ${options.agent})`}`,
        ]
      : [`  Agents:              AGENT_BRIDGE=${options.bridge} (hand-overs go to your chat server)`];
  return [
    '',
    line,
    '  ccm is running in LOCAL MODE (no Facebook credentials: nothing is sent to Meta)',
    '',
    `  Messenger simulator: ${options.simulator}/      ← chat as a customer here`,
    ...desk,
    '',
    `  Also: npm run simulate -- "where is my order"   ·   API docs ${options.base}/api/docs`,
    `        admin key (x-admin-key): ${options.adminKey}   ·   set FACEBOOK_* in .env to go live`,
    line,
    '',
  ].join('\n');
}

/** Nest's per-route and per-module startup lines: debug detail (about 60 of them would bury the banner). */
const CHATTY_CONTEXTS = new Set([
  'RoutesResolver',
  'RouterExplorer',
  'InstanceLoader',
  'WebSocketsController',
  'NestFactory',
  'NestApplication',
]);

/** Wraps ccm's logger: lines from the chatty startup contexts go out at debug level, everything else unchanged. */
export class StartupChatterAtDebug implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context) && this.inner.debug) return this.inner.debug(message, ...rest);
    this.inner.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...rest);
  }
}
