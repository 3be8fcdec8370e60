import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { MessengerSimulatorServer } from '../../apps/simulator/src/simulator';
import { ADMIN_KEY, createAgent } from '../helpers/agent-desk-client';
import { APP_SECRET, CcmHarness, eventually, PAGE_ID, PAGE_TOKEN, startCcm } from '../helpers/ccm-harness';
import { ARTIFACTS, launchChromium, openDesk, screenshot, tab } from '../helpers/desk-browser';

/** A 1×1 PNG the customer picks in the file dialog. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * Issue 15, "Must show": a customer on the Messenger simulator page and an agent on the desk, both in
 * headless Chromium, talking through the real ccm (signed webhooks in, Send API out). Screenshots of
 * both pages are kept in test-artifacts/ (simulator-customer.png, simulator-agent-desk.png).
 */
describe('Messenger simulator page and agent desk in headless Chromium', () => {
  let sim: MessengerSimulatorServer;
  let h: CcmHarness;
  let browser: Browser;

  beforeAll(async () => {
    sim = await MessengerSimulatorServer.start({
      appSecret: APP_SECRET,
      pages: [{ pageId: PAGE_ID, accessToken: PAGE_TOKEN, name: 'Shoe Shop' }],
    });
    [h, browser] = await Promise.all([startCcm({ graph: sim.graph, env: { ADMIN_API_KEY: ADMIN_KEY } }), launchChromium()]);
    sim.setWebhookUrl(`${h.url}/ccm/webhook`);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await sim?.stop();
  });

  const thread = (page: Page) => page.getByRole('log', { name: 'Conversation' });

  it('should let a customer tap a quick reply and a carousel button, ask for a human and send an image, and an agent answer with text and a carousel, with read receipts on both sides', async () => {
    const dana = await createAgent(h, 'dana'); // away: the conversation waits in the queue for her to accept
    const customer = await (await browser.newContext({ viewport: { width: 1366, height: 800 } })).newPage();
    customer.setDefaultTimeout(10_000);
    await customer.goto(sim.origin);
    await customer.getByRole('textbox', { name: 'Name' }).fill('Ada Lovelace');
    await customer.getByRole('button', { name: 'Create customer' }).click();
    await customer.getByText('You are Ada Lovelace').waitFor();

    const say = async (text: string) => {
      await customer.getByRole('textbox', { name: 'Message' }).fill(text);
      await customer.getByRole('button', { name: 'Send', exact: true }).click();
    };
    // The bot greets with quick replies; tapping one sends its payload.
    await say('hi');
    await customer.getByRole('group', { name: 'Quick replies' }).getByRole('button', { name: 'Show products' }).click();
    const carousel = thread(customer).getByRole('list', { name: 'Carousel' }).last();
    // Swipeable like Messenger's: the cards overflow sideways, snap, and a sideways swipe moves them.
    await carousel.getByRole('listitem', { name: 'Sneaker model 1', exact: true }).waitFor();
    expect(
      await carousel.evaluate((el) => ({ snap: getComputedStyle(el).scrollSnapType, overflows: el.scrollWidth > el.clientWidth })),
    ).toEqual({ snap: 'x mandatory', overflows: true });
    await carousel.hover();
    await customer.mouse.wheel(300, 0);
    await eventually(async () => (await carousel.evaluate((el) => el.scrollLeft)) > 0, 5_000);
    await carousel.getByRole('listitem', { name: 'Sneaker model 2' }).getByRole('button', { name: 'Buy' }).click();
    await thread(customer)
      .getByText(/Great choice!/)
      .waitFor();
    // Ask for a person, then send a picture.
    await say('I want to talk to a human');
    await thread(customer)
      .getByText(/passing you to a colleague|No colleague is available/)
      .first()
      .waitFor();
    await customer.getByLabel('Attach a file').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: PNG });
    await thread(customer).locator('.msg.customer img[alt="image"]').waitFor();

    // ccm got the payloads and the picture.
    const conversation = await eventually(
      async () =>
        (await h.persistence.repos.conversations.findByKey({
          channel: 'messenger',
          pageId: PAGE_ID,
          customerId: sim.customers.keys().next().value!,
        })) ?? undefined,
    );
    const inbound = async () =>
      (await h.persistence.repos.messages.listForConversation(conversation.id)).filter((m) => m.direction === 'in');
    await eventually(async () => (await inbound()).some((m) => (m.content ?? '').includes('/cdn/')), 10_000);
    const contents = (await inbound()).map((m) => `${m.text ?? ''} ${m.content ?? ''}`).join('\n');
    expect(contents).toContain('PRODUCTS');
    expect(contents).toContain('BUY_SNEAKER_2');
    expect(conversation.state === 'QUEUED' || (await h.persistence.repos.conversations.findById(conversation.id))?.state === 'QUEUED').toBe(
      true,
    );

    // The agent accepts on the desk and answers with text and a carousel.
    const { page: desk, context: deskContext } = await openDesk(browser, h, dana.username);
    await tab(desk, 'Queue');
    await desk.locator('#queue li[data-id]').first().click();
    await desk.locator('.transcript').getByText('I want to talk to a human').waitFor();
    await desk.getByRole('button', { name: 'Accept' }).click();
    await desk.getByLabel('Message', { exact: true }).fill('Hello Ada, I am Dana. Thanks for the picture!');
    // The agent typing shows on the customer's side as Messenger's typing indicator (typing_on).
    const typing = customer.getByRole('status', { name: 'Page is typing' });
    await typing.waitFor();
    await desk.getByRole('button', { name: 'Send', exact: true }).click();
    await desk.getByRole('toolbar', { name: 'Message type' }).getByRole('button', { name: 'Carousel' }).click();
    await desk.getByLabel('Card 1 title').fill('Sneaker model 2, size 38');
    await desk.getByLabel('Card 1 subtitle').fill('In stock, ships today');
    await desk.getByLabel('Card 1 image URL').fill(`${sim.origin}/_double/avatar/${PAGE_ID}.svg`);
    await desk.getByRole('button', { name: '+ Card 1 button' }).click();
    await desk.getByLabel('Card 1 button 1 title').fill('Reserve');
    await desk.getByLabel('Card 1 button 1 payload').fill('RESERVE_2_38');
    await desk.getByRole('button', { name: 'Send', exact: true }).click();

    // The customer sees both, swipeable carousel included; reading them sends a read event back.
    await thread(customer).getByText('Hello Ada, I am Dana. Thanks for the picture!').waitFor();
    await typing.waitFor({ state: 'hidden' }); // the message ends the indicator
    const card = thread(customer).getByRole('listitem', { name: 'Sneaker model 2, size 38' });
    await card.getByRole('button', { name: 'Reserve' }).waitFor();
    // The card's picture loaded (not the placeholder an unreachable image gets).
    await eventually(async () => card.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 10_000);
    // Read receipts, both ways: the desk shows the agent's messages read by the customer, and the
    // simulator shows the customer's last message seen (the desk's mark_seen).
    await desk.locator('.msg.agent .status[data-status="read"]').first().waitFor({ timeout: 15_000 });
    await customer.getByLabel('Status: Seen').waitFor({ timeout: 15_000 });
    await desk.locator('.transcript').getByText('Sneaker model 2, size 38').waitFor();
    await desk.locator('.transcript img').first().waitFor(); // the customer's picture, on the desk

    await screenshot(customer, 'simulator-customer');
    await screenshot(desk, 'simulator-agent-desk');
    for (const name of ['simulator-customer', 'simulator-agent-desk'])
      expect(statSync(join(ARTIFACTS, `${name}.png`)).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    const sent = sim.graph.sentMessages(conversation.customer_id).map((r) => JSON.stringify(r.body));
    expect(sent.some((b) => b.includes('Hello Ada, I am Dana'))).toBe(true);
    expect(sent.some((b) => b.includes('RESERVE_2_38') && b.includes('generic'))).toBe(true);
    await deskContext.close();
  }, 120_000);

  it('should let an agent attach an image and a PDF from disk with no public address, and the customer see and download them', async () => {
    // Local mode has no MEDIA_PUBLIC_BASE_URL: ccm uploads the stored bytes to the Page (Attachment Upload API).
    expect(h.config.media.publicBaseUrl).toBeUndefined();
    const eve = await createAgent(h, 'eve');
    const customer = await (await browser.newContext({ viewport: { width: 1366, height: 800 } })).newPage();
    customer.setDefaultTimeout(10_000);
    await customer.goto(sim.origin);
    await customer.getByRole('textbox', { name: 'Name' }).fill('Bo Brown');
    await customer.getByRole('button', { name: 'Create customer' }).click();
    await customer.getByText('You are Bo Brown').waitFor();
    await customer.getByRole('textbox', { name: 'Message' }).fill('I want to talk to a human');
    await customer.getByRole('button', { name: 'Send', exact: true }).click();

    const { page: desk, context: deskContext } = await openDesk(browser, h, eve.username);
    await tab(desk, 'Queue');
    await desk.locator('#queue li[data-id]').first().click();
    await desk.locator('.transcript').getByText('I want to talk to a human').waitFor();
    await desk.getByRole('button', { name: 'Accept' }).click();
    const pdf = Buffer.from('%PDF-1.4\n% the size chart\n%%EOF\n');
    await desk.getByLabel('File to attach').setInputFiles({ name: 'size-chart.png', mimeType: 'image/png', buffer: PNG });
    await desk.locator('.msg.agent img.media-image').waitFor();
    await desk.getByLabel('File to attach').setInputFiles({ name: 'size chart.pdf', mimeType: 'application/pdf', buffer: pdf });
    // The desk shows the image from ccm's own path (same origin), loaded.
    const own = desk.locator('.msg.agent img.media-image').last();
    expect(await own.getAttribute('src')).toMatch(/^\/media\/[a-f0-9]{40}\/size-chart\.png$/);
    await desk.locator('.msg.agent a.file-link', { hasText: 'size chart.pdf' }).waitFor();
    await eventually(async () => own.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 10_000);

    // The customer's Messenger shows the picture (loaded) and the file by its name; the file is the agent's.
    const picture = thread(customer).locator('.msg.page img[alt="image"]').last();
    await picture.waitFor();
    await eventually(async () => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 10_000);
    const link = thread(customer).locator('.msg.page a', { hasText: 'size chart.pdf' });
    await link.waitFor();
    const downloaded = await fetch(new URL((await link.getAttribute('href'))!, sim.origin));
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(pdf)).toBe(true);
    await screenshot(customer, 'simulator-customer-attachments');
    await screenshot(desk, 'simulator-desk-attachments');
    await deskContext.close();
  }, 90_000);
});
