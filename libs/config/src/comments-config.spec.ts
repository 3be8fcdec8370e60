import { InvalidConfigError, loadCcmConfig } from './index';

const live = {
  FACEBOOK_APP_SECRET: 'secret-0123456789',
  FACEBOOK_VERIFY_TOKEN: 'verify',
  FACEBOOK_PAGE_ACCESS_TOKEN: 'EAAB-page-token',
  FACEBOOK_PAGE_ID: '111',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadCcmConfig(env);
    return [];
  } catch (error) {
    if (error instanceof InvalidConfigError) return [...error.problems];
    throw error;
  }
}

describe('loadCcmConfig: Page comments routing', () => {
  it('should leave the comments policy unset by default (comments follow the Page policy)', () => {
    const config = loadCcmConfig(live);
    expect(config.comments.routingPolicy).toBeUndefined();
    expect(config.pages[0].commentsRoutingPolicy).toBeUndefined();
  });

  it('should read COMMENTS_ROUTING_POLICY and a per-Page commentsRoutingPolicy', () => {
    const config = loadCcmConfig({
      ...live,
      COMMENTS_ROUTING_POLICY: 'AGENT_ONLY',
      FACEBOOK_PAGES: JSON.stringify([{ id: '222', accessToken: 'tok', commentsRoutingPolicy: 'BOT_ONLY' }]),
    });
    expect(config.comments.routingPolicy).toBe('AGENT_ONLY');
    expect(config.pages.find((p) => p.pageId === '222')?.commentsRoutingPolicy).toBe('BOT_ONLY');
  });

  it('should name bad comment policies', () => {
    expect(problemsOf({ ...live, COMMENTS_ROUTING_POLICY: 'SOMETIMES' })).toEqual([
      'COMMENTS_ROUTING_POLICY: must be one of DEFAULT, BOT_ONLY, AGENT_ONLY (got "SOMETIMES")',
    ]);
    expect(
      problemsOf({ ...live, FACEBOOK_PAGES: JSON.stringify([{ id: '222', accessToken: 'tok', commentsRoutingPolicy: 'X' }]) }),
    ).toEqual(['FACEBOOK_PAGES[0].commentsRoutingPolicy: must be one of DEFAULT, BOT_ONLY, AGENT_ONLY']);
  });
});
