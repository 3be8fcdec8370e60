import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { CcmHarness, eventually, PAGE_ID, startCcm } from '../helpers/ccm-harness';
import { ADMIN_KEY, callApi, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { launchChromium, openDesk, screenshot, tab } from '../helpers/desk-browser';

/**
 * More of the desk in Debian Chromium (#14): reactions and edits live in the transcript, a file
 * attached from disk, the contact panel's fields, a composer blocked for a standby thread, and the
 * Page settings for business hours and comments. One browser and one ccm for the file (every Page
 * AGENT_ONLY); each test uses its own customers and agents.
 */
describe('agent desk web app: live transcript, attachments, contact, settings (headless Chromium)', () => {
  let h: CcmHarness;
  let browser: Browser;
  let agents: DeskAgent[] = [];
  let contexts: BrowserContext[] = [];

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
  afterEach(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    for (const a of agents)
      await callApi(h, `/api/agents/${a.id}`, { method: 'PATCH', body: { disabled: true }, headers: { 'x-admin-key': ADMIN_KEY } });
    contexts = [];
    agents = [];
    await h.persistence.db.updateTable('conversations').set({ state: 'CLOSED' }).where('state', 'in', ['QUEUED', 'AGENT']).execute();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const agent = async (name: string, role: 'agent' | 'supervisor' = 'agent') => {
    const a = await createAgent(h, name, role);
    agents.push(a);
    return a;
  };
  const desk = async (a: DeskAgent) => {
    const opened = await openDesk(browser, h, a.username);
    contexts.push(opened.context);
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
    const c = await chatWith(rhea, 'psid-react', 'm_react_in', 'My order #12 has not arrivd');
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
    await fromCustomer('psid-react', { reaction: { mid, action: 'react', reaction: 'love', emoji: '❤️' } });
    await reply.getByRole('img', { name: /reacted ❤️/ }).waitFor();
    await fromCustomer('psid-react', { message_edit: { mid: 'm_react_in', text: 'My order #12 has not arrived', num_edit: 1 } });
    const edited = page.locator('.msg.customer').filter({ hasText: 'My order #12 has not arrived' });
    await edited.locator('.edited').waitFor();
    expect(await page.locator('.msg.customer').filter({ hasText: 'arrivd' }).count()).toBe(0);
    await screenshot(page, 'reaction-and-edit');
    await fromCustomer('psid-react', { reaction: { mid, action: 'unreact', reaction: 'love' } });
    await reply.locator('.reaction').waitFor({ state: 'detached' });

    // What the desk shows live is what it reads back after a reload.
    await page.reload();
    await open(page, c.id);
    await page.locator('.msg.customer').filter({ hasText: 'has not arrived' }).locator('.edited').waitFor();
    expect(await page.locator('.msg .reaction').count()).toBe(0);
  });
});
