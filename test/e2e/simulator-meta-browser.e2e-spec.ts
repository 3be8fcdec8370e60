import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { MessengerSimulatorServer } from '../../apps/simulator/src/simulator';
import { ADMIN_KEY } from '../helpers/agent-desk-client';
import { APP_SECRET, CcmHarness, eventually, PAGE_ID, PAGE_TOKEN, startCcm } from '../helpers/ccm-harness';
import { launchChromium, screenshot } from '../helpers/desk-browser';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const PROFILE = {
  get_started: { payload: 'GET_STARTED' },
  greeting: [{ locale: 'default', text: 'Hi {{user_first_name}}, how can we help?' }],
  ice_breakers: [{ locale: 'default', call_to_actions: [{ question: 'Where is my order?', payload: 'TRACK_ORDER' }] }],
  persistent_menu: [
    {
      locale: 'default',
      composer_input_disabled: false,
      call_to_actions: [
        { type: 'postback', title: 'Opening hours', payload: 'OPENING_HOURS' },
        { type: 'web_url', title: 'Visit the shop', url: 'https://shop.example' },
      ],
    },
  ],
};

/**
 * Issue 16 on the simulator's customer page, in headless Chromium against the real ccm: the Messenger
 * Profile ccm applied (greeting, Get Started, ice breakers, persistent menu) with their postbacks
 * reaching ccm; an Instagram customer with Instagram's limits on screen; the Page inbox taking the
 * thread (Conversation Routing); a picture on the CDN whose link expires while ccm keeps its copy.
 */
describe('simulator page: Instagram, Messenger Profile, Conversation Routing, CDN (Chromium)', () => {
  let sim: MessengerSimulatorServer;
  let h: CcmHarness;
  let browser: Browser;
  const mediaDir = mkdtempSync(join(tmpdir(), 'ccm-sim-browser-media-'));

  beforeAll(async () => {
    sim = await MessengerSimulatorServer.start({
      appSecret: APP_SECRET,
      pages: [{ pageId: PAGE_ID, accessToken: PAGE_TOKEN, name: 'Shoe Shop' }],
    });
    [h, browser] = await Promise.all([
      startCcm({
        graph: sim.graph,
        env: {
          ADMIN_API_KEY: ADMIN_KEY,
          FACEBOOK_INSTAGRAM_ACCOUNT_ID: sim.instagramAccountId,
          MEDIA_DIR: mediaDir,
          MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
        },
      }),
      launchChromium(),
    ]);
    sim.setWebhookUrl(`${h.url}/ccm/webhook`);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await sim?.stop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const thread = (page: Page) => page.getByRole('log', { name: 'Conversation' });
  const inboundOf = async (channel: string, psid: string) => {
    const conversation = await h.persistence.repos.conversations.findByKey({ channel, pageId: PAGE_ID, customerId: psid });
    return conversation
      ? (await h.persistence.repos.messages.listForConversation(conversation.id)).filter((m) => m.direction === 'in')
      : [];
  };
  const newCustomer = async (page: Page, name: string, channel: 'Messenger' | 'Instagram') => {
    await page.getByRole('textbox', { name: 'Name' }).fill(name);
    await page.getByRole('combobox', { name: 'Channel' }).selectOption({ label: channel });
    await page.getByRole('button', { name: 'Create customer' }).click();
    await page.getByText(`You are ${name}`).waitFor();
    return [...sim.customers.values()].find((c) => c.name === name)!.psid;
  };

  it('should show the Messenger Profile, deliver its postbacks, show the Page inbox taking the thread, and keep a picture past its CDN link', async () => {
    const put = await fetch(`${h.url}/api/admin/pages/${PAGE_ID}/messenger-profile`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
      body: JSON.stringify(PROFILE),
    });
    expect(put.status).toBe(200);
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(sim.origin);
    const psid = await newCustomer(page, 'Ada Lovelace', 'Messenger');

    // A new conversation: the greeting (with the first name), Get Started and the ice breakers.
    const welcome = page.getByRole('group', { name: 'Welcome' });
    await welcome.getByText('Hi Ada, how can we help?').waitFor();
    await welcome.getByRole('group', { name: 'Ice breakers' }).getByRole('button', { name: 'Where is my order?' }).waitFor();
    await welcome.getByRole('button', { name: 'Get Started' }).click();
    await eventually(async () => (await inboundOf('messenger', psid)).some((m) => (m.content ?? '').includes('GET_STARTED')), 10_000);
    await thread(page).locator('.msg.page').first().waitFor(); // the bot answered Get Started
    await expect(welcome.isHidden()).resolves.toBe(true); // shown only on an empty conversation

    // The persistent menu, from the composer.
    await page.getByRole('button', { name: 'Persistent menu' }).click();
    const menu = page.getByRole('group', { name: 'Persistent menu items' });
    await menu.getByRole('button', { name: 'Visit the shop ↗' }).waitFor();
    await menu.getByRole('button', { name: 'Opening hours' }).click();
    await eventually(async () => (await inboundOf('messenger', psid)).some((m) => (m.content ?? '').includes('OPENING_HOURS')), 10_000);
    await menu.waitFor({ state: 'hidden' }); // the menu closes after a choice

    // The Page inbox takes the thread: the routing panel says so, and ccm recorded the new owner.
    const routing = page.getByRole('region', { name: 'Conversation Routing' });
    await routing.getByRole('button', { name: 'Page inbox takes the thread' }).click();
    await routing.getByText(/Thread owner: the Page inbox until/).waitFor();
    await eventually(
      async () =>
        (await h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: psid }))?.thread_owner ===
        '263902037430900',
      10_000,
    );
    await routing.getByRole('button', { name: 'Page inbox passes it back' }).click();
    await routing.getByText('Thread owner: ccm (this app)', { exact: false }).waitFor();

    // A picture: on the CDN behind an expiring link; ccm's copy outlives it.
    await page.getByLabel('Attach a file').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: PNG });
    await thread(page).locator('.msg.customer img[alt="image"]').waitFor();
    const stored = await eventually(async () => {
      const message = (await inboundOf('messenger', psid)).find((m) => (m.content ?? '').includes('/cdn/'));
      const attachment = message
        ? (JSON.parse(message.content!) as { attachments: { url: string; storedUrl: string }[] }).attachments[0]
        : undefined;
      return attachment && (await fetch(`${h.url}${attachment.storedUrl}`)).status === 200 ? attachment : undefined;
    }, 10_000);
    expect(stored.url).toContain('?oe=');
    await page.getByRole('button', { name: 'Expire CDN links' }).click();
    await eventually(async () => (await fetch(stored.url)).status === 403, 5_000);
    expect((await fetch(`${h.url}${stored.storedUrl}`)).status).toBe(200);
    await screenshot(page, 'simulator-messenger-profile');
  }, 90_000);

  it('should show an Instagram customer with its badge and limits, answered through the Instagram path', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(sim.origin);
    const igsid = await newCustomer(page, 'Ines Gram', 'Instagram');
    await page
      .getByRole('note', { name: 'Channel limits' })
      .getByText(/at most 1000 bytes/)
      .waitFor();
    await expect(page.getByRole('group', { name: 'Welcome' }).isHidden()).resolves.toBe(true); // no Messenger Profile on Instagram
    await page.getByRole('navigation', { name: 'Customers' }).getByText('Instagram').first().waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('where is my order');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await thread(page).locator('.msg.page').first().waitFor();
    expect((await inboundOf('instagram', igsid)).map((m) => m.text)).toContain('where is my order');
    expect(sim.graph.sentMessages(igsid).length).toBeGreaterThan(0);
    await screenshot(page, 'simulator-instagram');
  }, 60_000);
});
