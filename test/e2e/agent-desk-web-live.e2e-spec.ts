import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { CcmHarness, eventually, PAGE_ID, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { loadCommentFixture, registerComments } from '../helpers/comment-fixtures';
import { ADMIN_KEY, callApi, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { DeskSessions, launchChromium, openDesk, screenshot, tab } from '../helpers/desk-browser';
import { testPsid } from '../helpers/fixtures';

/** Meta's app id of the Page inbox in Conversation Routing (fact sheet §10). */
const PAGE_INBOX_APP_ID = '263902037430900';

/**
 * More of the desk in Debian Chromium (#14): reactions and edits live in the transcript (a file
 * attached from disk: agent-desk-attach.e2e-spec.ts), the contact panel's fields, a composer blocked for a standby thread, and the
 * Page settings for business hours and comments. One browser and one ccm for the file (every Page
 * AGENT_ONLY); each test uses its own customers and agents.
 */
describe('agent desk web app: live transcript, attachments, contact, settings (headless Chromium)', () => {
  let h: CcmHarness;
  let browser: Browser;
  const sessions = new DeskSessions(() => h);

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startCcm({
        env: {
          ADMIN_API_KEY: ADMIN_KEY,
          FB_ROUTING_POLICY: 'AGENT_ONLY',
          MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
          MEDIA_DIR: mkdtempSync(join(tmpdir(), 'ccm-desk-live-media-')),
        },
      }),
      launchChromium(),
    ]);
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
  const desk = async (a: DeskAgent) => {
    const opened = await openDesk(browser, h, a.username);
    sessions.contexts.push(opened.context);
    return opened.page;
  };
  /** One webhook item from the customer (anything besides `sender`, `recipient` and `timestamp`). */
  const fromCustomer = (psid: string, item: Record<string, unknown>, timestamp = Date.now()) => {
    h.graph.noteCustomerActivity(psid, timestamp);
    return h.simulator.post({
      object: 'page',
      entry: [{ id: PAGE_ID, time: timestamp, messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp, ...item }] }],
    });
  };
  /** A customer writes (with a known mid) and an agent accepts the conversation. */
  const chatWith = async (a: DeskAgent, psid: string, mid: string, text: string) => {
    await fromCustomer(psid, { message: { mid, text } });
    const c = await eventually(async () =>
      (await h.persistence.repos.conversations.listForDesk(['QUEUED', 'AGENT'])).find((x) => x.customer_id === psid),
    );
    await a.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} });
    return c;
  };
  const open = async (page: Page, id: string) => {
    await tab(page, 'Mine');
    await page.locator(`#mine li[data-id="${id}"]`).click();
  };

  it('updates reactions and edits live in the transcript', async () => {
    const rhea = await agent('rhea');
    const c = await chatWith(rhea, testPsid('react'), 'm_react_in', 'My order #12 has not arrivd');
    const page = await desk(rhea);
    await open(page, c.id);
    await page.getByLabel('Message', { exact: true }).fill('It left our warehouse this morning.');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    const reply = page.locator('.msg.agent').filter({ hasText: 'It left our warehouse' });
    await reply.locator('.status[data-status="sent"]').waitFor();
    const mid = await eventually(
      async () =>
        (await h.persistence.repos.messages.listForConversation(c.id)).find((m) => m.text?.startsWith('It left') && m.mid)?.mid ??
        undefined,
    );

    // The customer loves the answer (Messenger sends the emoji), edits their typo, then takes the reaction back.
    await fromCustomer(testPsid('react'), { reaction: { mid, action: 'react', reaction: 'love', emoji: '❤️' } });
    await reply.getByRole('img', { name: /reacted ❤️/ }).waitFor();
    await fromCustomer(testPsid('react'), { message_edit: { mid: 'm_react_in', text: 'My order #12 has not arrived', num_edit: 1 } });
    const edited = page.locator('.msg.customer').filter({ hasText: 'My order #12 has not arrived' });
    await edited.locator('.edited').waitFor();
    expect(await page.locator('.msg.customer').filter({ hasText: 'arrivd' }).count()).toBe(0);
    await screenshot(page, 'reaction-and-edit');
    await fromCustomer(testPsid('react'), { reaction: { mid, action: 'unreact', reaction: 'love' } });
    await reply.locator('.reaction').waitFor({ state: 'detached' });

    // What the desk shows live is what it reads back after a reload.
    await page.reload();
    await open(page, c.id);
    await page.locator('.msg.customer').filter({ hasText: 'has not arrived' }).locator('.edited').waitFor();
    expect(await page.locator('.msg .reaction').count()).toBe(0);
  });

  it("shows a reply as sent when the send's API answer arrives after its live status event", async () => {
    const nia = await agent('nia');
    const c = await chatWith(nia, testPsid('late-answer'), 'm_late_answer', 'Are you there?');
    const page = await desk(nia);
    // The POST answer (which says "queued") is held back until the desk has heard "sent" on its
    // socket, as happens when the send is fast. The later answer must not undo it.
    let heardSent!: () => void;
    const sentHeard = new Promise<void>((resolve) => (heardSent = resolve));
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        if (String(payload).includes('"message.status"') && String(payload).includes('"sent"')) heardSent();
      }),
    );
    await page.route(`**/api/conversations/${c.id}/messages`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const answer = await route.fetch();
      await sentHeard;
      await route.fulfill({ response: answer });
    });
    await page.reload(); // its socket connects again, now watched
    await open(page, c.id);
    const answered = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith(`/api/conversations/${c.id}/messages`),
    );
    await page.getByLabel('Message', { exact: true }).fill('Yes, I am here.');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await answered;
    // The late answer has been applied and rendered (two frames): the tick still says "sent".
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const tick = page.locator('.msg.agent').filter({ hasText: 'Yes, I am here.' }).locator('.status');
    expect(await tick.getAttribute('data-status')).toBe('sent');
  });

  it('disables the composer with the reason while another app owns the thread, and takes the thread back on request', async () => {
    const sol = await agent('sol');
    const c = await chatWith(sol, testPsid('standby'), 'm_standby_1', 'Hello?');
    const page = await desk(sol);
    await open(page, c.id);
    await page.getByLabel('Message', { exact: true }).waitFor();

    // Someone answers in Meta Business Suite: the Page inbox takes the thread (Conversation Routing).
    h.graph.threadControl.setOwner(testPsid('standby'), PAGE_INBOX_APP_ID);
    await fromCustomer(testPsid('standby'), { pass_thread_control: { new_owner_app_id: PAGE_INBOX_APP_ID, previous_owner_app_id: null } });
    const blocked = page.getByRole('status', { name: 'Replying is not possible' });
    await blocked.getByText(/The Page inbox .* controls this Messenger thread/).waitFor();
    expect(await page.getByLabel('Message', { exact: true }).count()).toBe(0);
    await screenshot(page, 'composer-standby');

    // ccm takes the thread back once the transfer has committed, so the socket can tell the desk
    // before the transfer's own answer (which still names the inbox) arrives: hold that answer until
    // then, as a fast Graph API does. The later answer must not block the composer again.
    let heardTaken!: () => void;
    const taken = new Promise<void>((resolve) => (heardTaken = resolve));
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const frame = String(payload);
        if (frame.includes('"conversation.updated"') && frame.includes(c.id) && frame.includes('"threadOwner":null')) heardTaken();
      }),
    );
    await page.route(`**/api/conversations/${c.id}/transfer`, async (route) => {
      const answer = await route.fetch();
      await taken;
      await route.fulfill({ response: answer });
    });
    await page.reload(); // its socket connects again, now watched
    await open(page, c.id);
    const answered = page.waitForResponse((r) => r.url().endsWith(`/api/conversations/${c.id}/transfer`));
    await blocked.getByRole('button', { name: 'Take the thread back' }).click();
    await answered;
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await page.getByLabel('Message', { exact: true }).waitFor();
    expect(h.graph.requests.some((r) => r.path.endsWith('/take_thread_control') && r.status === 200)).toBe(true);
    expect((await h.persistence.repos.conversations.findById(c.id))!.thread_owner).toBeNull();
    await page.getByLabel('Message', { exact: true }).fill('Back with you here.');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await eventually(async () => h.graph.sentTexts(testPsid('standby')).includes('Back with you here.'), 5000);
  });

  it('disables the composer once no reply is allowed, and says why (24 h without the HUMAN_AGENT tag, 7 days)', async () => {
    const val = await agent('val');
    const c = await chatWith(val, testPsid('window'), 'm_window_1', 'Are you open on Sunday?');
    const page = await desk(val);
    await open(page, c.id);
    await page.getByLabel('Message', { exact: true }).waitFor();
    await page.getByText(/Reply window open · 2[34] h left/).waitFor();

    // 30 hours later: this deployment has no HUMAN_AGENT permission (MESSENGER_HUMAN_AGENT_TAG unset), so nothing may be sent.
    await h.persistence.repos.conversations.update(c.id, { last_user_event_at: Date.now() - 30 * 3600_000 });
    await page.reload();
    await open(page, c.id);
    const blocked = page.getByRole('status', { name: 'Replying is not possible' });
    await blocked.getByText(/24-hour reply window has closed .* HUMAN_AGENT/).waitFor();
    await page.locator('[data-window="closed"]').waitFor();
    expect(await page.getByLabel('Message', { exact: true }).count()).toBe(0);

    await h.persistence.repos.conversations.update(c.id, { last_user_event_at: Date.now() - 8 * 24 * 3600_000 });
    await page.reload();
    await open(page, c.id);
    await blocked.getByText(/7 days after the customer's last message/).waitFor();
    await screenshot(page, 'composer-window-closed');

    // The customer writes again: the window re-opens and the composer comes back, live.
    await fromCustomer(testPsid('window'), { message: { mid: 'm_window_2', text: 'Hello again' } });
    await page.getByLabel('Message', { exact: true }).waitFor();
  });

  it('shows the contact fields: name, picture, PSID, Page, language, hand-over reason, bot intent and confidence', async () => {
    const kim = await agent('kim');
    h.graph.setProfile(testPsid('contact'), {
      first_name: 'Greta',
      last_name: 'Berg',
      profile_pic: `${h.graph.origin}/_double/avatar/greta.svg`,
      locale: 'de_DE',
    });
    // The bot answers first (DEFAULT policy): asking for a person hands over with its intent and confidence.
    await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, {
      method: 'PUT',
      body: { policy: 'DEFAULT' },
      headers: { 'x-admin-key': ADMIN_KEY },
    });
    try {
      const c = await chatWith(kim, testPsid('contact'), 'm_contact_1', 'I want to talk to an agent');
      expect((await h.persistence.repos.conversations.findById(c.id))!.bot_intent).toBe('human');
      const page = await desk(kim);
      await open(page, c.id);
      const contact = page.getByRole('complementary', { name: 'Contact' });
      await contact.getByText('Greta Berg').waitFor();
      const picture = contact.locator('img.avatar');
      await eventually(async () => (await picture.evaluate((img: HTMLImageElement) => img.naturalWidth)) > 0, 5000);
      expect(await picture.getAttribute('src')).toContain('/_double/avatar/greta.svg');
      const field = (label: string) => contact.locator(`dt:text-is("${label}") + dd`);
      expect(await field('Customer id (PSID)').textContent()).toBe(testPsid('contact'));
      expect(await field('Page').textContent()).toBe(`ccm (${PAGE_ID})`);
      expect(await field('Language').textContent()).toMatch(/^German \(Germany\) · de_DE$/);
      expect(await field('Hand-over reason').textContent()).toBe('customer asked for a person');
      expect(await field('Bot intent').textContent()).toMatch(/^human \(\d{1,3}%\)$/);
      await screenshot(page, 'contact-panel');
    } finally {
      await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, {
        method: 'PUT',
        body: { policy: 'AGENT_ONLY' },
        headers: { 'x-admin-key': ADMIN_KEY },
      });
    }
  });

  it("lets an admin set a Page's business hours and comments policy in Settings (audited), and both take effect", async () => {
    const ada = await agent('ada');
    await callApi(h, `/api/agents/${ada.id}`, { method: 'PATCH', body: { role: 'admin' }, headers: { 'x-admin-key': ADMIN_KEY } });
    const page = await desk(ada);
    await page.getByLabel('My status').selectOption('available'); // someone is there: only the hours can close the queue
    await tab(page, 'Settings');
    const form = page.locator(`[data-page="${PAGE_ID}"]`);
    const comments = form.getByLabel(`Facebook Page comments policy for ccm`);
    await eventually(async () => (await comments.inputValue()) === ''); // no policy of its own: the Page's (AGENT_ONLY)
    const hours = form.getByLabel('Business hours for ccm');
    expect(await hours.inputValue()).toBe(''); // always open (no BUSINESS_HOURS)

    // A clear error for hours Meta's customers cannot be told about, and nothing stored.
    await hours.fill('Mon-Fri 09:00-18:00 Mars/Olympus');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await page
      .locator('.toast.error')
      .getByText(/^businessHours: unknown time zone "Mars\/Olympus"/)
      .waitFor();

    // Open on another weekday only: closed now. Comments go to the bot.
    const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    const otherDay = weekdays[(new Date().getUTCDay() + 3) % 7];
    await hours.fill(`${otherDay} 09:00-17:00 UTC`);
    await comments.selectOption('BOT_ONLY');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await page.locator('.toast').getByText('Routing of ccm saved').waitFor();
    await page.locator('.audit').getByText('agent:Ada · routing.update').waitFor();
    expect(await comments.inputValue()).toBe('BOT_ONLY');
    expect(await hours.inputValue()).toBe(`${otherDay} 09:00-17:00 UTC`);
    await screenshot(page, 'settings-hours-comments');
    const stored = await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, { headers: { 'x-admin-key': ADMIN_KEY } });
    expect(stored.body).toMatchObject({
      policy: 'AGENT_ONLY',
      channelPolicies: { 'facebook-comments': 'BOT_ONLY' },
      businessHours: `${otherDay} 09:00-17:00 UTC`,
      businessHoursSource: 'page',
    });

    try {
      // Messenger (AGENT_ONLY): queued, and told that nobody answers now instead of "passing you to a colleague".
      await fromCustomer(testPsid('after-hours'), { message: { mid: 'm_after_hours', text: 'Anyone there?' } });
      await eventually(async () => h.graph.sentTexts(testPsid('after-hours')).length > 0, 5000);
      expect(h.graph.sentTexts(testPsid('after-hours'))[0]).toContain(h.config.queue.noAgentMessage);
      expect(h.graph.sentTexts(testPsid('after-hours'))[0]).not.toContain(h.config.messages.handover);

      // A comment: the bot answers it publicly; nobody is queued.
      const feed = loadCommentFixture('new-comment');
      registerComments(h.graph, feed);
      expect((await h.simulator.post(feed)).status).toBe(200);
      await waitForIdle(h);
      const thread = await h.persistence.repos.conversations.findByKey({
        channel: 'facebook-comments',
        pageId: PAGE_ID,
        customerId: '1234567890_5550001:7000000001',
      });
      expect(thread!.state).toBe('BOT');
      expect(h.graph.requests.some((r) => r.method === 'POST' && r.path === '/5550001_9000001/comments' && r.status === 200)).toBe(true);
    } finally {
      await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, {
        method: 'PUT',
        body: { businessHours: null, channelPolicies: { 'facebook-comments': null } },
        headers: { 'x-admin-key': ADMIN_KEY },
      });
      await page.getByLabel('My status').selectOption('away');
    }
  });

  it('refuses bad business hours and channel policies through the admin API, naming the field', async () => {
    const put = (body: object) =>
      callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, { method: 'PUT', body, headers: { 'x-admin-key': ADMIN_KEY } });
    const field = (r: { body: unknown }) => (r.body as { error: { details?: { field: string }[] } }).error.details?.map((d) => d.field);
    let r = await put({ businessHours: '9 to 5' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('businessHours');
    r = await put({ businessHours: 'Mon-Fri 18:00-09:00 UTC' });
    expect([r.status, field(r)]).toEqual([400, ['businessHours']]);
    r = await put({ channelPolicies: { messenger: 'BOT_ONLY' } });
    expect([r.status, field(r)]).toEqual([400, ['channelPolicies.messenger']]);
    r = await put({ channelPolicies: { 'facebook-comments': 'SOMETIMES' } });
    expect([r.status, field(r)]).toEqual([400, ['channelPolicies.facebook-comments']]);
    const after = await callApi(h, `/api/admin/pages/${PAGE_ID}/routing`, { headers: { 'x-admin-key': ADMIN_KEY } });
    expect(after.body).toMatchObject({
      businessHours: null,
      businessHoursSource: 'deployment',
      channelPolicies: { 'facebook-comments': null },
    });
  });
});
