import { Browser } from 'playwright-core';
import { ADMIN_KEY, createAgent } from '../helpers/agent-desk-client';
import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { loadCommentFixture, registerComments } from '../helpers/comment-fixtures';
import { launchChromium, openDesk, tab } from '../helpers/desk-browser';
import { testPsid } from '../helpers/fixtures';

const COMMENT = '5550001_9000001';

describe('agent desk page: comment actions (headless Chromium)', () => {
  let h: CcmHarness;
  let browser: Browser;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, COMMENTS_ROUTING_POLICY: 'AGENT_ONLY' } }),
      launchChromium(),
    ]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows comment buttons only for comment conversations; Like and Reply privately reach the Graph double', async () => {
    const agent = await createAgent(h, 'erin');
    await h.simulator.sendText(testPsid('desk'), 'asdf qwerty zzz'); // a Messenger conversation in the queue, for contrast
    const body = loadCommentFixture('new-comment');
    registerComments(h.graph, body);
    expect((await h.simulator.post(body)).status).toBe(200);
    await eventually(async () => (await h.persistence.repos.conversations.listByState('QUEUED')).length === 2);

    const { page } = await openDesk(browser, h, agent.username);

    const [messenger, comment] = await Promise.all([
      h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: '1234567890', customerId: testPsid('desk') }),
      h.persistence.repos.conversations.findByKey({
        channel: 'facebook-comments',
        pageId: '1234567890',
        customerId: '1234567890_5550001:7000000001',
      }),
    ]);
    await tab(page, 'Queue');
    await page.locator(`#queue li[data-id="${messenger!.id}"]`).click();
    await page.getByRole('button', { name: 'Accept' }).click();
    await tab(page, 'Mine');
    await page.locator(`#mine li[data-id="${messenger!.id}"]`).waitFor();
    await page.locator('.conv-head').getByText('with you').waitFor();
    expect(await page.locator('#channel-actions').count()).toBe(0); // a Messenger chat has no comment actions

    await tab(page, 'Queue');
    await page.locator(`#queue li[data-id="${comment!.id}"]`).click();
    await page.locator('.transcript').getByText('where is my order').waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('button', { name: 'Reply privately' }).waitFor();
    await page.locator('.conv-head [data-window]').waitFor({ state: 'detached' }); // comment threads have no reply window

    await page.getByRole('button', { name: 'Like', exact: true }).click();
    await eventually(
      async () => h.graph.requests.some((r) => r.method === 'POST' && r.path === `/${COMMENT}/likes` && r.status === 200),
      5000,
    );

    await page.getByRole('button', { name: 'Reply privately' }).click();
    await page.getByLabel('Private reply text').fill('Hi! Please send us your order number.');
    await page.getByRole('button', { name: 'Send reply privately' }).click();
    await page.locator('#action-status').getByText('continues on Messenger').waitFor();
    expect(
      h.graph.requests.filter((r) => (r.body as { recipient?: { comment_id?: string } }).recipient?.comment_id === COMMENT),
    ).toHaveLength(1);
    await page.getByRole('button', { name: 'Open linked conversation' }).waitFor();

    await page.getByRole('button', { name: 'Reply privately' }).click();
    await page.getByLabel('Private reply text').fill('again');
    await page.getByRole('button', { name: 'Send reply privately' }).click();
    await page.locator('#action-status').getByText('a private reply was already sent to this comment').waitFor();
  });
});
