import { configProblems } from '@app/testing';
import { loadCcmConfig } from './load-ccm-config';

const live = {
  FACEBOOK_APP_SECRET: 'app-secret-123456',
  FACEBOOK_VERIFY_TOKEN: 'verify-me',
  FACEBOOK_PAGE_ACCESS_TOKEN: 'EAAB-page-token',
};

const problemsOf = configProblems;

describe('loadCcmConfig', () => {
  it('should start in local mode with defaults when no Facebook credentials are set', () => {
    const config = loadCcmConfig({});
    expect(config.localMode).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.routing).toMatchObject({
      defaultPolicy: 'DEFAULT',
      confidenceThreshold: 0.6,
      lowConfidenceTurns: 1,
      handoverPayload: 'HUMAN_AGENT',
    });
    expect(config.database).toMatchObject({ dialect: 'sqlite', url: './data/ccm.sqlite' });
    expect(config.graph.version).toBe('v26.0');
  });

  it('should name every bad variable in one error', () => {
    const problems = problemsOf({
      FACEBOOK_VERIFY_TOKEN: 'x',
      FB_ROUTING_POLICY: 'SOMETIMES',
      BOT_CONFIDENCE_THRESHOLD: '1.5',
      PORT: 'abc',
    });
    const names = problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['BOT_CONFIDENCE_THRESHOLD', 'FACEBOOK_APP_SECRET', 'FB_ROUTING_POLICY', 'PORT']);
    expect(problems.find((p) => p.startsWith('FB_ROUTING_POLICY'))).toContain('must be one of DEFAULT, BOT_ONLY, AGENT_ONLY');
  });

  it('should point out missing Facebook credentials when an otherwise local-mode config is invalid', () => {
    let message = '';
    try {
      loadCcmConfig({ FB_ROUTING_POLICY: 'SOMETIMES' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Invalid configuration (1 problem)');
    expect(message).toContain('FB_ROUTING_POLICY: must be one of');
    expect(message).toContain('Note: FACEBOOK_APP_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN and FACEBOOK_VERIFY_TOKEN are not set');
  });

  it('should never echo a secret value in an error', () => {
    let message = '';
    try {
      loadCcmConfig({ ...live, FACEBOOK_APP_SECRET: 'short', DATABASE_URL: 'mysql://root:hunter2@db' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('FACEBOOK_APP_SECRET');
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain('short"');
    expect(message).not.toContain('hunter2');
  });

  it('should use FACEBOOK_VERIFY_TOKEN as the page token for legacy deployments, with a warning', () => {
    const config = loadCcmConfig({ FACEBOOK_APP_SECRET: 'app-secret-123456', FACEBOOK_VERIFY_TOKEN: 'legacy-token' });
    expect(config.localMode).toBe(false);
    expect(config.pages[0].accessToken).toBe('legacy-token');
    expect(config.webhook.verifyToken).toBe('legacy-token');
    expect(config.warnings.join('\n')).toContain('FACEBOOK_PAGE_ACCESS_TOKEN is not set');
    expect(config.warnings.join('\n')).not.toContain('legacy-token');
  });

  it('should warn about an expired Graph API version', () => {
    const config = loadCcmConfig({ ...live, FACEBOOK_GRAPH_API_URL: 'https://graph.facebook.com/v4.0' }, new Date('2026-11-30'));
    expect(config.graph.version).toBe('v4.0');
    expect(config.warnings.join('\n')).toContain('v4.0, which Meta has expired');
  });

  it('should not warn about a supported version', () => {
    const config = loadCcmConfig(
      { ...live, FACEBOOK_GRAPH_API_URL: 'https://graph.facebook.com/v25.0/', MESSENGER_HUMAN_AGENT_TAG: 'false' },
      new Date('2026-11-30'),
    );
    expect(config.graph.baseUrl).toBe('https://graph.facebook.com/v25.0');
    expect(config.warnings).toEqual([]);
  });

  it('should warn about a version Meta stops serving soon (v21.0 until 2027-01-21)', () => {
    const config = loadCcmConfig({ ...live, FACEBOOK_GRAPH_API_URL: 'https://graph.facebook.com/v21.0' }, new Date('2026-12-07'));
    expect(config.warnings.join('\n')).toContain('Graph API v21.0, which Meta stops serving on 2027-01-21 (in 45 days)');
    const expired = loadCcmConfig({ ...live, FACEBOOK_GRAPH_API_URL: 'https://graph.facebook.com/v20.0' }, new Date('2026-12-07'));
    expect(expired.warnings.join('\n')).toContain('v20.0, which Meta has expired');
  });

  it('should link Instagram accounts to Pages (single-Page variable and FACEBOOK_PAGES entries), naming a bad id', () => {
    const config = loadCcmConfig({
      ...live,
      FACEBOOK_PAGE_ID: '111',
      FACEBOOK_INSTAGRAM_ACCOUNT_ID: '17841400000000001',
      FACEBOOK_PAGES: JSON.stringify([{ id: '222', accessToken: 'tok-222', instagramAccountId: '17841400000000002' }]),
    });
    expect(config.pages.map((p) => [p.pageId, p.instagramAccountId])).toEqual([
      ['111', '17841400000000001'],
      ['222', '17841400000000002'],
    ]);
    expect(problemsOf({ ...live, FACEBOOK_PAGES: JSON.stringify([{ id: '222', accessToken: 't', instagramAccountId: 'insta' }]) })).toEqual(
      ['FACEBOOK_PAGES[0].instagramAccountId: must be the numeric Instagram professional account id as a string'],
    );
  });

  it('should keep the HUMAN_AGENT tag off unless enabled, with a startup note', () => {
    const unset = loadCcmConfig(live);
    expect(unset.messenger.humanAgentTag).toBe(false);
    expect(unset.warnings.join('\n')).toContain('MESSENGER_HUMAN_AGENT_TAG is not set: the HUMAN_AGENT tag is off');
    const enabled = loadCcmConfig({ ...live, MESSENGER_HUMAN_AGENT_TAG: 'true' });
    expect(enabled.messenger.humanAgentTag).toBe(true);
    expect(enabled.warnings.join('\n')).not.toContain('MESSENGER_HUMAN_AGENT_TAG');
  });

  it('should select PostgreSQL from a postgres:// DATABASE_URL', () => {
    const config = loadCcmConfig({ ...live, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(config.database).toMatchObject({ dialect: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' });
  });

  it('should read several pages from FACEBOOK_PAGES next to the single-page variables', () => {
    const config = loadCcmConfig({
      ...live,
      FACEBOOK_PAGE_ID: '111',
      FACEBOOK_PAGES: JSON.stringify([{ id: '222', accessToken: 'tok-222', name: 'Shop B', routingPolicy: 'BOT_ONLY' }]),
    });
    expect(config.pages).toEqual([
      { pageId: '111', accessToken: 'EAAB-page-token', displayName: 'ccm', routingPolicy: 'DEFAULT' },
      { pageId: '222', accessToken: 'tok-222', displayName: 'Shop B', routingPolicy: 'BOT_ONLY' },
    ]);
  });

  it('should name each bad FACEBOOK_PAGES field without echoing tokens', () => {
    const problems = problemsOf({
      ...live,
      FACEBOOK_PAGES: JSON.stringify([
        { id: 'abc', accessToken: 'secret-tok' },
        { id: '1', routingPolicy: 'X' },
      ]),
    });
    expect(problems).toEqual([
      'FACEBOOK_PAGES[0].id: must be the numeric Page id as a string',
      'FACEBOOK_PAGES[1].accessToken: must be a non-empty string',
      'FACEBOOK_PAGES[1].routingPolicy: must be one of DEFAULT, BOT_ONLY, AGENT_ONLY',
    ]);
    expect(problemsOf({ ...live, FACEBOOK_PAGES: '{not json' })).toEqual([
      'FACEBOOK_PAGES: must be a JSON array of {"id","accessToken","name"?,"routingPolicy"?}',
    ]);
  });
});

describe('loadCcmConfig agent desk settings', () => {
  it('should default to the embedded desk with a local admin key and a generated JWT secret in local mode', () => {
    const config = loadCcmConfig({});
    expect(config.agents).toMatchObject({
      bridge: 'embedded',
      adminApiKey: 'local-mode-admin-key',
      jwtSecretGenerated: true,
      maxChatsPerAgent: 3,
      graceMs: 60_000,
    });
    expect(config.agents.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(config.agents.chatServer).toBeUndefined();
  });

  it('should leave the admin API disabled in live mode without ADMIN_API_KEY', () => {
    expect(loadCcmConfig(live).agents.adminApiKey).toBeUndefined();
  });

  it('should require the chat server URL, secret and API key for the external bridge', () => {
    const names = problemsOf({ ...live, AGENT_BRIDGE: 'external' })
      .map((p) => p.split(':')[0])
      .sort();
    expect(names).toEqual(['CHAT_SERVER_API_KEY', 'CHAT_SERVER_SECRET', 'CHAT_SERVER_URL']);
  });

  it('should build the chat server settings and never echo its secrets', () => {
    const config = loadCcmConfig({
      ...live,
      AGENT_BRIDGE: 'external',
      CHAT_SERVER_URL: 'https://chat.example/ccm',
      CHAT_SERVER_SECRET: 'chat-server-secret-1',
      CHAT_SERVER_API_KEY: 'chat-server-api-key-1',
      CHAT_SERVER_RETRY_BASE_MS: '50',
    });
    expect(config.agents.chatServer).toMatchObject({ url: 'https://chat.example/ccm', retryBaseMs: 50, retryMaxMs: 60_000 });
    const problems = problemsOf({ ...live, AGENT_JWT_SECRET: 'too-short-secret' });
    expect(problems.join('\n')).toContain('AGENT_JWT_SECRET');
    expect(problems.join('\n')).not.toContain('too-short-secret');
  });
});
