import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { ADMIN_KEY, AGENT_PASSWORD, createAgent } from '../helpers/agent-desk-client';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const TWO_BUTTONS = {
  kind: 'buttons',
  text: 'Shall I refund it?',
  buttons: [
    { type: 'postback', title: 'Yes please', payload: 'REFUND_YES' },
    { type: 'postback', title: 'No thanks', payload: 'REFUND_NO' },
  ],
};

describe('agent desk page in headless Chromium', () => {
  let h: CcmHarness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('should log in, accept a queued chat, send a text and a 2-button message, and show the answer live', async () => {
    const dana = await createAgent(h, 'dana'); // status away: nothing is pushed, so the chat waits in the queue
    await h.simulator.sendText('psid-web', 'I want to talk to an agent');
    await eventually(async () => (await h.persistence.repos.conversations.listByState('QUEUED')).length === 1);

    await page.goto(`${h.url}/agent`);
    await page.getByLabel('Username').fill(dana.username);
    await page.getByLabel('Password').fill(AGENT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const queued = page.locator('#queue li[data-id]');
    await queued.first().waitFor();
    await queued.first().click();
    await page.locator('#transcript').getByText('I want to talk to an agent').waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.locator('#mine li[data-id]').first().waitFor();

    await page.getByLabel('Message', { exact: true }).fill('Hello, I am Dana. Let me check your order.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(async () => h.graph.sentTexts('psid-web').includes('Hello, I am Dana. Let me check your order.'), 5000);
    await page.locator('.msg.agent .status[data-status="sent"]').first().waitFor();

    await page.getByLabel('Message type').selectOption('rich');
    await page.getByLabel('Rich message JSON').fill('{"kind": "buttons", ');
    await page.locator('#rich-errors li').first().waitFor(); // validated as you type
    await page.getByLabel('Rich message JSON').fill(JSON.stringify(TWO_BUTTONS, null, 2));
    expect(await page.locator('#rich-errors li').count()).toBe(0);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await eventually(
      async () =>
        h.graph
          .sentMessages('psid-web')
          .some(
            (r) =>
              (r.body as { message: { attachment?: { payload?: { template_type?: string } } } }).message.attachment?.payload
                ?.template_type === 'button',
          ),
      5000,
    );

    const received = await h.simulator.sendText('psid-web', 'Yes please, refund it');
    expect(received.response.status).toBe(200);
    await page.locator('.msg.customer').getByText('Yes please, refund it').waitFor({ timeout: 5000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'agent-desk.png'), fullPage: true });
    const button = h.graph.sentMessages('psid-web').at(-1)!.body as {
      message: { attachment: { payload: { buttons: { title: string }[] } } };
    };
    expect(button.message.attachment.payload.buttons.map((b) => b.title)).toEqual(['Yes please', 'No thanks']);
  }, 60_000);
});
