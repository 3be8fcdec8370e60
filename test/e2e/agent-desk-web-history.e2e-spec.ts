import { Browser } from 'playwright-core';
import { CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { ADMIN_KEY, createAgent, DeskAgent } from '../helpers/agent-desk-client';
import { DeskSessions, launchChromium, openDesk, screenshot, tab } from '../helpers/desk-browser';
import { testPsid } from '../helpers/fixtures';

interface Episode {
  episodeId: number | null;
  conversationId: string;
  outcome: string;
  endedBy: string | null;
  handledBy: string[];
  csatAsked: boolean;
  csatRating: number | null;
  firstLine: string | null;
  messageCount: number;
  startedAt: number;
  endedAt: number | null;
}

/**
 * The contact panel's "previous conversations" (#14): a customer has one conversation per channel and
 * Page, reopened when they write again, so earlier contacts are its episodes — each ended by a close or
 * a return to the bot. The API lists them (when, who, how it ended, rating, first line) and gives one
 * episode's messages; the desk lists them in the panel and opens one read-only.
 */
describe('agent desk: earlier episodes of a customer', () => {
  let h: CcmHarness;
  let browser: Browser;
  const sessions = new DeskSessions(() => h);

  beforeAll(async () => {
    [h, browser] = await Promise.all([startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY, FB_ROUTING_POLICY: 'AGENT_ONLY' } }), launchChromium()]);
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
  const queued = (psid: string) =>
    eventually(async () => (await h.persistence.repos.conversations.listByState('QUEUED')).find((c) => c.customer_id === psid));
  const ok = async <T>(call: Promise<{ status: number; body: T }>): Promise<T> => {
    const { status, body } = await call;
    if (status >= 300) throw new Error(`${status} ${JSON.stringify(body)}`);
    return body;
  };
  /** The customer writes, `a` accepts and answers, then closes (optionally asking for a rating). */
  const episode = async (a: DeskAgent, psid: string, customer: string, reply: string, close: { csat?: boolean } = {}) => {
    await h.simulator.sendText(psid, customer);
    const c = await queued(psid);
    await ok(a.api(`/api/conversations/${c.id}/accept`, { method: 'POST', body: {} }));
    await ok(a.api(`/api/conversations/${c.id}/messages`, { method: 'POST', body: { text: reply } }));
    await ok(a.api(`/api/conversations/${c.id}/close`, { method: 'POST', body: close }));
    await waitForIdle(h);
    return c.id;
  };

  it('lists the earlier episodes with who, how it ended, the rating and the first line, and gives one episode’s messages (API)', async () => {
    const ann = await agent('ann-history');
    const bob = await agent('bob-history');
    const psid = testPsid('history-api');
    const id = await episode(ann, psid, 'My parcel never arrived', 'Sorry! It is on its way now.', { csat: true });
    await h.simulator.sendText(psid, '4'); // the rating (it also reopens the conversation, like any message)
    await eventually(async () => (await h.persistence.repos.conversations.findById(id))?.csat_rating === 4);
    await queued(psid);
    await ok(bob.api(`/api/conversations/${id}/accept`, { method: 'POST', body: {} }));
    await h.simulator.sendText(psid, 'It came, but broken');
    await waitForIdle(h);

    const episodes = await ok<Episode[]>(bob.api(`/api/conversations/${id}/previous`));

    expect(episodes).toEqual([
      {
        episodeId: expect.any(Number),
        conversationId: id,
        channel: 'messenger',
        outcome: 'closed',
        endedBy: 'Ann-history',
        handledBy: ['Ann-history'],
        csatAsked: true,
        csatRating: 4,
        firstLine: 'My parcel never arrived',
        messageCount: expect.any(Number),
        startedAt: expect.any(Number),
        endedAt: expect.any(Number),
      },
    ]);
    const messages = await ok<{ text: string | null; author: string }[]>(
      bob.api(`/api/conversations/${id}/previous/${episodes[0].episodeId}/messages`),
    );
    const texts = messages.map((m) => m.text ?? '');
    expect(texts[0]).toBe('My parcel never arrived');
    expect(texts).toContain('Sorry! It is on its way now.');
    expect(texts.at(-1)).toMatch(/How would you rate this conversation/);
    expect(texts).not.toContain('4');
    expect(texts).not.toContain('It came, but broken');
    expect(episodes[0].messageCount).toBe(messages.length);

    // A malformed episode id is bad input, named as such (not a missing conversation).
    const malformed = await bob.api(`/api/conversations/${id}/previous/first/messages`);
    expect(malformed).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'episodeId', message: expect.stringMatching(/integer/) }] } },
    });
    // An id that is no episode of this conversation, and a conversation the caller cannot see: 404.
    expect((await bob.api(`/api/conversations/${id}/previous/${episodes[0].episodeId! + 100000}/messages`)).status).toBe(404);
    const other = await episode(ann, testPsid('history-api-other'), 'Hello', 'Hi!');
    expect((await bob.api(`/api/conversations/${other}/previous`)).status).toBe(404);
    expect((await bob.api(`/api/conversations/${other}/previous/${episodes[0].episodeId}/messages`)).status).toBe(404);
  });

  it('shows the earlier episode in the contact panel and opens its transcript read-only (browser)', async () => {
    const cleo = await agent('cleo-history');
    const psid = testPsid('history-web');
    const id = await episode(cleo, psid, 'Where is order 1001?', 'It ships tomorrow.');
    await h.simulator.sendText(psid, 'Can I change the address of order 1001?');
    await queued(psid);
    await ok(cleo.api(`/api/conversations/${id}/accept`, { method: 'POST', body: {} }));

    const { context, page } = await openDesk(browser, h, cleo.username);
    sessions.contexts.push(context);
    await tab(page, 'Mine');
    await page.locator(`#mine li[data-id="${id}"]`).click();
    const panel = page.getByRole('complementary', { name: 'Contact' });
    const earlier = panel.getByRole('button', { name: /Where is order 1001\?/ });
    await earlier.waitFor();
    await expect(earlier.textContent()).resolves.toMatch(/closed.*Cleo-history/);
    // The live transcript (every contact) marks where that episode ended, between its reply and the new message.
    const transcript = page.getByRole('list', { name: 'Transcript' });
    const order = await transcript.locator('li.msg .text, li.episode-end').allTextContents();
    const [reply, ended, again] = [
      order.indexOf('It ships tomorrow.'),
      order.findIndex((t) => /^Closed by Cleo-history/.test(t)),
      order.indexOf('Can I change the address of order 1001?'),
    ];
    expect(reply).toBeGreaterThanOrEqual(0);
    expect([reply < ended, ended < again]).toEqual([true, true]);
    await screenshot(page, 'history-panel');

    await earlier.click();
    const dialog = page.getByRole('dialog', { name: /Earlier conversation/ });
    await dialog.getByText('It ships tomorrow.').waitFor();
    await dialog.getByText('Where is order 1001?').waitFor();
    expect(await dialog.getByText('Can I change the address of order 1001?').count()).toBe(0);
    expect(await dialog.getByLabel('Message', { exact: true }).count()).toBe(0); // read-only: no composer
    await screenshot(page, 'history-episode');

    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByLabel('Message', { exact: true }).waitFor(); // back in the live conversation
  });
});
