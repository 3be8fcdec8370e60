import { Browser, chromium, Page } from 'playwright-core';
import { ADMIN_KEY, AGENT_PASSWORD, createAgent } from '../helpers/agent-desk-client';
import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { loadCommentFixture, registerComments } from '../helpers/comment-fixtures';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const COMMENT = '5550001_9000001';

describe('agent desk page: comment actions (headless Chromium)', () => {
  let h: CcmHarness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, COMMENTS_ROUTING_POLICY: 'AGENT_ONLY' } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows comment buttons only for comment conversations; Like and Reply privately reach the Graph double', async () => {
    const agent = await createAgent(h, 'erin');
    await h.simulator.sendText('psid-desk', 'asdf qwerty zzz'); // a Messenger conversation in the queue, for contrast
    const body = loadCommentFixture('new-comment');
    registerComments(h.graph, body);
    expect((await h.simulator.post(body)).status).toBe(200);
    await eventually(async () => (await h.persistence.repos.conversations.listByState('QUEUED')).length === 2);

    await page.goto(`${h.url}/agent`);
    await page.getByLabel('Username').fill(agent.username);
    await page.getByLabel('Password').fill(AGENT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const [messenger, comment] = await Promise.all([
      h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: '1234567890', customerId: 'psid-desk' }),
      h.persistence.repos.conversations.findByKey({
        channel: 'facebook-comments',
        pageId: '1234567890',
        customerId: '1234567890_5550001:7000000001',
      }),
    ]);
    await page.locator(`#queue li[data-id="${messenger!.id}"]`).click();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.locator(`#mine li[data-id="${messenger!.id}"]`).waitFor();
    expect(await page.locator('#channel-actions').isHidden()).toBe(true);

    await page.locator(`#queue li[data-id="${comment!.id}"]`).click();
    await page.locator('#transcript').getByText('where is my order').waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('button', { name: 'Reply privately' }).waitFor();

    await page.getByRole('button', { name: 'Like', exact: true }).click();
    await eventually(
      async () => h.graph.requests.some((r) => r.method === 'POST' && r.path === `/${COMMENT}/likes` && r.status === 200),
      5000,
    );

    page.once('dialog', (dialog) => void dialog.accept('Hi! Please send us your order number.'));
    await page.getByRole('button', { name: 'Reply privately' }).click();
    await page.locator('#action-status').getByText('continues on Messenger').waitFor();
    expect(
      h.graph.requests.filter((r) => (r.body as { recipient?: { comment_id?: string } }).recipient?.comment_id === COMMENT),
    ).toHaveLength(1);
    await page.getByRole('button', { name: 'Open linked conversation' }).waitFor();

    page.once('dialog', (dialog) => void dialog.accept('again'));
    await page.getByRole('button', { name: 'Reply privately' }).click();
    await page.locator('#action-status').getByText('a private reply was already sent to this comment').waitFor();
  });
});
