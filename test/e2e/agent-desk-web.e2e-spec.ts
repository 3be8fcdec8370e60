import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { Browser, Page } from 'playwright-core';
import { AssignmentService } from '@app/agent-desk';
import { CcmHarness, eventually, PAGE_ID, startCcm } from '../helpers/ccm-harness';
import { ADMIN_KEY, callApi, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { DeskSessions, launchChromium, openDesk, screenshot, signIn, tab } from '../helpers/desk-browser';
import { testPsid } from '../helpers/fixtures';

/**
 * The desk web app's "Must show" list, in Debian Chromium: one browser and one ccm for the file
 * (every Page AGENT_ONLY, so customers queue at once; 2 s grace period). Each test uses its own
 * customers and agents, and disables its agents when done so no later push reaches them.
 */
describe('agent desk web app (headless Chromium)', () => {
  let h: CcmHarness;
  let browser: Browser;
  let router: AssignmentService;
  const sessions = new DeskSessions(() => h);

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startCcm({
        env: {
          ADMIN_API_KEY: ADMIN_KEY,
          FB_ROUTING_POLICY: 'AGENT_ONLY',
          AGENT_GRACE_SECONDS: '2',
          MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1', // the Graph double's pictures are on loopback
          MEDIA_DIR: mkdtempSync(join(tmpdir(), 'ccm-desk-media-')),
        },
      }),
      launchChromium(),
    ]);
    router = h.app.get(AssignmentService);
  }, 60_000);
  afterEach(() => sessions.reset());
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const agent = async (name: string, role: 'agent' | 'supervisor' = 'agent') => {
    const a = await createAgent(h, name, role);
    sessions.agents.push(a);
    return a;
  };
  const desk = async (a: DeskAgent, viewport?: { width: number; height: number }) => {
    const opened = await openDesk(browser, h, a.username, viewport);
    sessions.contexts.push(opened.context);
    return opened.page;
  };
  /** A customer writes; resolves with their (queued) conversation. */
  const customer = async (psid: string, text = `hello from ${psid}`) => {
    await h.simulator.sendText(psid, text);
    return eventually(async () =>
      (await h.persistence.repos.conversations.listForDesk(['QUEUED', 'AGENT'])).find((c) => c.customer_id === psid),
    );
  };
  const messengerItem = (psid: string, message: Record<string, unknown>) => {
    const timestamp = Date.now();
    h.graph.noteCustomerActivity(psid, timestamp);
    return h.simulator.post({
      object: 'page',
      entry: [{ id: PAGE_ID, time: timestamp, messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp, message }] }],
    });
  };
  const picture = (name: string) => `${h.graph.origin}/_double/avatar/${name}.svg`;
  const open = async (page: Page, list: string, id: string) => {
    await tab(page, list);
    await page.locator(`#${list.toLowerCase()} li[data-id="${id}"]`).click();
  };
  const onScreen = async (page: Page, selector: string, viewport: { width: number; height: number }) => {
    const box = (await page.locator(selector).first().boundingBox())!;
    return box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height + 1 && box.x + box.width <= viewport.width + 1;
  };

  it('shows a 40-message transcript with the header and composer on screen at 1366×768 and 768×900', async () => {
    const lena = await agent('lena');
    const start = Date.now() - 60_000;
    h.graph.noteCustomerActivity(testPsid('long'), Date.now());
    await h.simulator.post({
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: Date.now(),
          messaging: Array.from({ length: 40 }, (_, i) => ({
            sender: { id: testPsid('long') },
            recipient: { id: PAGE_ID },
            timestamp: start + i * 1000,
            message: { mid: `m_long_${i + 1}`, text: `message ${i + 1} of a long story` },
          })),
        },
      ],
    });
    const c = await customer(testPsid('long'), 'message 41: are you there?');
    await eventually(
      async () => (await h.persistence.repos.messages.listForConversation(c.id)).filter((m) => m.direction === 'in').length === 41,
      10_000,
    );
    await lena.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });

    for (const viewport of [
      { width: 1366, height: 768 },
      { width: 768, height: 900 },
    ]) {
      const page = await desk(lena, viewport);
      await open(page, 'Mine', c.id);
      await page.locator('.msg.customer').getByText('message 41: are you there?').waitFor();
      expect(await page.locator('.msg.customer').count()).toBe(41);
      expect(await onScreen(page, '.conv-head', viewport)).toBe(true);
      expect(await onScreen(page, 'textarea[aria-label="Message"]', viewport)).toBe(true);
      expect(await onScreen(page, '.topbar', viewport)).toBe(true);
      // The transcript scrolls by itself and shows the newest message.
      const scroll = await page
        .locator('.transcript')
        .evaluate((el) => ({ height: el.scrollHeight, client: el.clientHeight, top: el.scrollTop }));
      expect(scroll.height).toBeGreaterThan(scroll.client);
      expect(scroll.height - scroll.top - scroll.client).toBeLessThan(5);
      expect(await page.evaluate(() => document.scrollingElement!.scrollHeight <= window.innerHeight)).toBe(true); // the page itself does not scroll
      await screenshot(page, `transcript-40-${viewport.width}x${viewport.height}`);
    }
  });

  it('keeps a draft per conversation, across a reload, and Enter sends it to the right customer', async () => {
    const dora = await agent('dora');
    const [a, b] = [await customer(testPsid('draft-a')), await customer(testPsid('draft-b'))];
    for (const c of [a, b]) await dora.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });
    const page = await desk(dora);
    const box = page.getByLabel('Message', { exact: true });

    await open(page, 'Mine', a.id);
    await box.fill('Draft for A: your refund is on its way');
    // Alt+↑/↓ moves to the neighbouring conversation of the list (here: B).
    const order = await page.locator('#mine li[data-id]').evaluateAll((items) => items.map((li) => li.getAttribute('data-id')));
    await page.keyboard.press(order.indexOf(a.id) < order.indexOf(b.id) ? 'Alt+ArrowDown' : 'Alt+ArrowUp');
    await page.locator(`#mine li[data-id="${b.id}"][aria-current="true"]`).waitFor();
    expect(await box.inputValue()).toBe('');
    await box.fill('Draft for B: which size do you need?');
    await page.reload();
    await page.locator('.connection.online').waitFor();
    await open(page, 'Mine', a.id);
    await eventually(async () => (await box.inputValue()) === 'Draft for A: your refund is on its way');
    await open(page, 'Mine', b.id);
    await eventually(async () => (await box.inputValue()) === 'Draft for B: which size do you need?');

    await box.press('Enter');
    await eventually(async () => h.graph.sentTexts(testPsid('draft-b')).includes('Draft for B: which size do you need?'), 5000);
    expect(h.graph.sentTexts(testPsid('draft-a')).some((t) => t.startsWith('Draft'))).toBe(false);
    // The box empties once ccm has accepted the message (its answer can trail the send itself).
    await eventually(async () => (await box.inputValue()) === '');
    await open(page, 'Mine', a.id);
    await eventually(async () => (await box.inputValue()) === 'Draft for A: your refund is on its way');
  });

  it("renders a customer's image and an agent carousel with pictures; the visual carousel editor's template is accepted by the Graph double", async () => {
    const cara = await agent('cara');
    const c = await customer(testPsid('pics'), 'look at this');
    await messengerItem(testPsid('pics'), { mid: 'm_pic_1', attachments: [{ type: 'image', payload: { url: picture('broken-lamp') } }] });
    await cara.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });
    const page = await desk(cara);
    await open(page, 'Mine', c.id);
    const inbound = page.locator('.msg.customer img.media-image');
    await inbound.waitFor();
    await eventually(async () => (await inbound.evaluate((img: HTMLImageElement) => img.naturalWidth)) > 0, 5000);
    expect(await inbound.getAttribute('src')).toMatch(/^(https?:\/\/[^/]+)?\/media\/[a-f0-9]{40}$/); // ccm's stored copy, not Meta's expiring link

    await page.getByRole('button', { name: 'Carousel', exact: true }).click();
    await page.locator('.problems li').first().waitFor(); // an empty card is refused as you type
    await page.getByLabel('Card 1 title').fill('Desk lamp, brass');
    await page.getByLabel('Card 1 subtitle').fill('€49 · in stock');
    await page.getByLabel('Card 1 image URL').fill(picture('lamp-brass'));
    await page.getByRole('button', { name: '+ Card 1 button' }).click();
    await page.getByLabel('Card 1 button 1 title').fill('Replace mine');
    await page.getByLabel('Card 1 button 1 payload').fill('REPLACE_BRASS');
    await page.getByRole('button', { name: '+ Add card' }).click();
    await page.getByLabel('Card 2 title').fill('Desk lamp, black');
    await page.getByLabel('Card 2 image URL').fill(picture('lamp-black'));
    await eventually(async () => (await page.locator('.problems li').count()) === 0);
    expect(await page.locator('.preview .card').count()).toBe(2);
    await page.getByRole('button', { name: 'Send', exact: true }).click();

    const template = await eventually(async () =>
      h.graph
        .sentMessages(testPsid('pics'))
        .map(
          (r) =>
            r.body as {
              message: { attachment?: { payload: { template_type: string; elements: { title: string; image_url?: string }[] } } };
            },
        )
        .find((b) => b.message.attachment?.payload.template_type === 'generic'),
    );
    expect(template.message.attachment!.payload.elements.map((e) => [e.title, e.image_url])).toEqual([
      ['Desk lamp, brass', picture('lamp-brass')],
      ['Desk lamp, black', picture('lamp-black')],
    ]);
    const sentCarousel = page.locator('.msg.agent').filter({ has: page.locator('.carousel') });
    await sentCarousel.locator('.status[data-status="sent"]').waitFor(); // the double accepted it
    const cards = sentCarousel.locator('img.card-image');
    expect(await cards.count()).toBe(2);
    await eventually(async () => (await cards.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))) === true);
    await screenshot(page, 'image-and-carousel');
  });

  it('keeps chats while Busy (and gives no new ones), and returns them after a visible countdown when Offline', async () => {
    const bo = await agent('bo');
    const page = await desk(bo);
    await page.getByLabel('My status').selectOption('available');
    const mine = await customer(testPsid('busy-web'));
    await eventually(async () => (await h.persistence.repos.conversations.findById(mine.id))?.assigned_agent_id === bo.id, 5000);
    await page.locator(`#mine li[data-id="${mine.id}"]`).waitFor();

    await page.getByLabel('My status').selectOption('busy');
    await eventually(async () => (await h.persistence.repos.agents.findById(bo.id))?.status === 'busy');
    const waiting = await customer(testPsid('busy-web-2'));
    await router.tick(Date.now() + 5000); // past the grace period; Bo's desk is open
    expect((await h.persistence.repos.conversations.findById(mine.id))!.assigned_agent_id).toBe(bo.id);
    expect((await h.persistence.repos.conversations.findById(waiting.id))!.state).toBe('QUEUED');
    await page.locator(`#mine li[data-id="${mine.id}"]`).waitFor();

    await page.getByLabel('My status').selectOption('away');
    await page
      .getByRole('timer')
      .getByText(/Chats return to the queue in 0:0[0-2]/)
      .waitFor();
    await screenshot(page, 'offline-countdown');
    await page.locator(`#mine li[data-id="${mine.id}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    expect((await h.persistence.repos.conversations.findById(mine.id))!.state).toBe('QUEUED');
    await callApi(h, `/api/conversations/${waiting.id}/close`, {
      method: 'POST',
      body: {},
      headers: { authorization: `Bearer ${bo.token}` },
    });
  });

  it('"Back to queue" does not bounce the conversation back to the same agent', async () => {
    const rae = await agent('rae');
    const page = await desk(rae);
    await page.getByLabel('My status').selectOption('available');
    const c = await customer(testPsid('bounce-web'));
    await eventually(async () => (await h.persistence.repos.conversations.findById(c.id))?.assigned_agent_id === rae.id, 5000);
    await open(page, 'Mine', c.id);
    await page.getByRole('button', { name: 'Back to queue' }).click();
    await page.locator('.toast').getByText('Back in the queue').waitFor();
    await router.tick(Date.now());
    await router.tick(Date.now());
    expect((await h.persistence.repos.conversations.findById(c.id))!).toMatchObject({ state: 'QUEUED', assigned_agent_id: null });
    expect(await page.locator(`#mine li[data-id="${c.id}"]`).count()).toBe(0);
    await tab(page, 'Queue');
    await page.locator(`#queue li[data-id="${c.id}"]`).waitFor();
    expect(await page.locator('.toast.error').count()).toBe(0);
    await page.getByLabel('My status').selectOption('away');
  });

  it('lets a supervisor reassign a chat from the overview, and shows a CSAT answer found by PSID', async () => {
    const [amy, bob, sam] = [await agent('amy'), await agent('bob'), await agent('sam', 'supervisor')];
    await bob.api('/api/agents/me/status', { method: 'PUT', body: { status: 'busy' } }); // at work (an Offline agent's chats would return to the queue)
    const c = await customer(testPsid('reassign'));
    await amy.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });
    const rated = await customer(testPsid('rated'));
    await amy.api(`/api/conversations/${rated.id}/accept`, { method: 'POST', body: {} });
    await amy.api(`/api/conversations/${rated.id}/close`, { method: 'POST', body: { csat: true } });
    await eventually(async () => h.graph.sentMessages(testPsid('rated')).some((r) => JSON.stringify(r.body).includes('CSAT_4')));
    await messengerItem(testPsid('rated'), { mid: 'm_rated', text: '4', quick_reply: { payload: 'CSAT_4' } });
    await eventually(async () => (await h.persistence.repos.conversations.findById(rated.id))?.csat_rating === 4, 5000);

    const page = await desk(sam);
    await tab(page, 'Overview');
    const row = page.locator(`tr[data-id="${c.id}"]`);
    await row.getByText('Amy').waitFor();
    await row.getByRole('combobox').selectOption({ label: 'Bob' });
    await eventually(async () => (await h.persistence.repos.conversations.findById(c.id))?.assigned_agent_id === bob.id, 5000);
    await row.getByText('Bob').waitFor();
    await screenshot(page, 'supervisor-overview');

    await page.getByLabel('Search conversations').fill(testPsid('rated'));
    await page.locator(`#results li[data-id="${rated.id}"]`).click();
    await page.locator('.contact .csat').getByText('4/5').waitFor();
    await screenshot(page, 'csat-answer');
  });

  it('inserts a canned response with "/" and sends it', async () => {
    const [cal, sue] = [await agent('cal'), await agent('sue', 'supervisor')];
    expect(
      (
        await sue.api('/api/canned-responses', {
          body: { shortcut: 'shipping', title: 'Shipping times', text: 'We ship within 2 working days.' },
        })
      ).status,
    ).toBe(201);
    const c = await customer(testPsid('canned'));
    await cal.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });
    const page = await desk(cal);
    await open(page, 'Mine', c.id);
    const box = page.getByLabel('Message', { exact: true });
    await box.pressSequentially('/shi');
    await page.getByRole('listbox', { name: 'Canned responses' }).getByText('/shipping').waitFor();
    await box.press('Enter');
    expect(await box.inputValue()).toBe('We ship within 2 working days.');
    await box.press('Enter');
    await eventually(async () => h.graph.sentTexts(testPsid('canned')).includes('We ship within 2 working days.'), 5000);
  });

  it('notifies a new chat (browser notification, opt-in) and counts it in the title', async () => {
    const nia = await agent('nia');
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    sessions.contexts.push(context);
    // Headless Chromium shows no notifications: record what the desk asks for instead.
    await context.addInitScript(() => {
      const shown: string[] = [];
      class RecordingNotification {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        constructor(title: string, options?: { body?: string }) {
          shown.push(`${title}: ${options?.body ?? ''}`);
        }
      }
      Object.assign(window, { Notification: RecordingNotification, shownNotifications: shown });
    });
    const page = await context.newPage();
    await page.goto(`${h.url}/agent`);
    await signIn(page, nia.username);
    await page.getByLabel('Notify me').check();
    await page.getByLabel('My status').selectOption('available');
    await eventually(async () => (await h.persistence.repos.agents.findById(nia.id))?.status === 'available');

    const c = await customer(testPsid('notify'), 'is anyone there?');
    await eventually(async () => (await h.persistence.repos.conversations.findById(c.id))?.assigned_agent_id === nia.id, 5000);
    const shown = await eventually(async () => {
      const list = await page.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications);
      return list.find((n) => n.includes('New chat')) ? list : undefined;
    }, 5000);
    expect(shown.join('\n')).toMatch(/ccm agent desk: New chat: /);
    await eventually(async () => /^\(1\) ccm agent desk$/.test(await page.title()));
    await page.getByLabel('My status').selectOption('away');
  });

  it('explains an expired session on the sign-in screen and keeps the draft', async () => {
    const eli = await agent('eli');
    const c = await customer(testPsid('expired'));
    await eli.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });
    const page = await desk(eli);
    await open(page, 'Mine', c.id);
    await page.getByLabel('Message', { exact: true }).fill('Half-written answer about the refund');

    // A token issued a minute ago for one second (signed with the real key): already expired, no waiting.
    const expired = await h.app
      .get(JwtService)
      .signAsync({ sub: eli.id, role: 'agent', name: 'Eli', iat: Math.floor(Date.now() / 1000) - 60 }, { expiresIn: 1 });
    await page.evaluate((token) => {
      const session = JSON.parse(sessionStorage.getItem('ccm.session')!);
      sessionStorage.setItem('ccm.session', JSON.stringify({ ...session, token }));
    }, expired);
    await page.reload();
    await page.getByRole('status').getByText('Your session has').waitFor();
    await screenshot(page, 'session-expired');
    await signIn(page, eli.username);
    await open(page, 'Mine', c.id);
    await eventually(
      async () => (await page.getByLabel('Message', { exact: true }).inputValue()) === 'Half-written answer about the refund',
    );
  });

  it("lets an admin change a Page's routing policy in Settings, and the next customer message follows it", async () => {
    const ida = await agent('ida');
    await callApi(h, `/api/agents/${ida.id}`, { method: 'PATCH', body: { role: 'admin' }, headers: { 'x-admin-key': ADMIN_KEY } });
    const page = await desk(ida);
    await tab(page, 'Settings');
    const policy = page.getByLabel('Routing policy for ccm');
    await eventually(async () => (await policy.inputValue()) === 'AGENT_ONLY');
    await policy.selectOption('BOT_ONLY');
    // Another action reloads the screen before Save is pressed: the admin's unsaved choice must survive
    // it (the form used to show the stored policy again and then save that).
    const newCanned = page.getByRole('form', { name: 'New canned response' });
    await newCanned.getByLabel('Shortcut').fill('hours');
    await newCanned.getByLabel('Title').fill('Opening hours');
    await newCanned.getByLabel('Text').fill('We answer from 9 to 17.');
    await newCanned.getByRole('button', { name: 'Add canned response' }).click();
    await page.locator('.audit').getByText('agent:Ida · canned.create').waitFor();
    expect(await policy.inputValue()).toBe('BOT_ONLY');
    await page.locator(`[data-page="${PAGE_ID}"]`).getByRole('button', { name: 'Save routing' }).click();
    await page.locator('.toast').getByText('Routing of ccm saved').waitFor();
    await page.locator('.audit').getByText('agent:Ida · routing.update').waitFor();
    await screenshot(page, 'settings-routing');

    await h.simulator.sendText(testPsid('after-settings'), 'I want to talk to an agent');
    await eventually(async () => h.graph.sentTexts(testPsid('after-settings')).length > 0, 5000);
    const c = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: PAGE_ID,
      customerId: testPsid('after-settings'),
    });
    expect(c!.state).toBe('BOT'); // BOT_ONLY: the bot answers, nobody is queued
    await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, {
      method: 'PUT',
      body: { policy: 'AGENT_ONLY' },
      headers: { 'x-admin-key': ADMIN_KEY },
    });
  });
});
