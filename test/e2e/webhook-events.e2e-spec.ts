import { PAGE2_ID, PAGE2_TOKEN, PAGE_ID, PAGE_TOKEN, CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
import { fixtureNames, loadFixture, testPsid } from '../helpers/fixtures';

const CUSTOMER = testPsid('fx-1');

async function conversationOf(h: CcmHarness, customerId = CUSTOMER, pageId = PAGE_ID) {
  return h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId, customerId });
}

async function messagesOf(h: CcmHarness, customerId = CUSTOMER, pageId = PAGE_ID) {
  const conversation = await conversationOf(h, customerId, pageId);
  return conversation ? h.persistence.repos.messages.listForConversation(conversation.id) : [];
}

async function eventsOf(h: CcmHarness, customerId = CUSTOMER) {
  const conversation = await conversationOf(h, customerId);
  return conversation ? h.persistence.repos.conversationEvents.listForConversation(conversation.id) : [];
}

/** Waits until the journal has nothing pending (every accepted event applied). */
async function drained(h: CcmHarness): Promise<void> {
  await eventually(async () => ((await h.persistence.repos.journal.countByStatus()).pending ?? 0) === 0);
}

async function post(h: CcmHarness, name: string, values: Record<string, string | number> = {}): Promise<void> {
  const response = await h.simulator.post(loadFixture(name, values));
  expect(response.status).toBe(200);
  await drained(h);
}

/** Sends a text and waits for the bot's reply to be sent; returns the reply's row. */
async function replyTo(h: CcmHarness, text: string) {
  await h.simulator.sendText(CUSTOMER, text);
  return eventually(async () => (await messagesOf(h)).find((m) => m.direction === 'out' && m.status === 'sent' && m.mid));
}

describe('Messenger webhook events (one fixture per scenario)', () => {
  let h: CcmHarness;
  beforeEach(async () => {
    h = await startCcm();
  });
  afterEach(() => h.close());

  it('should answer every fixture with 200, never a 5xx', async () => {
    for (const name of fixtureNames()) {
      const response = await h.simulator.post(loadFixture(name, { MID: 'm_unknown', MESSAGE_ID: 999999 }));
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    }
    await drained(h);
    expect(await h.persistence.repos.journal.countByStatus()).not.toHaveProperty('dead');
  });

  it('text: stores the message and the bot answers', async () => {
    await post(h, 'text');
    await h.graph.waitFor(() => h.graph.sentMessages(CUSTOMER).length === 1);
    expect((await messagesOf(h))[0]).toMatchObject({ direction: 'in', author: 'customer', text: 'where is my order', mid: 'm_fx_text' });
  });

  it('sticker "like": no bot reply and no hand-over', async () => {
    await post(h, 'attachment-sticker');
    await waitForIdle(h);
    expect(h.graph.sentMessages(CUSTOMER)).toHaveLength(0);
    expect((await conversationOf(h))?.state).toBe('BOT');
  });

  it('multi-attachment: every attachment of one message is kept, with the text', async () => {
    await post(h, 'multi-attachment');
    const [message] = await messagesOf(h);
    expect(message.text).toBe('here are the photos');
    expect((JSON.parse(message.content ?? '{}') as { attachments: { type: string }[] }).attachments.map((a) => a.type)).toEqual([
      'image',
      'image',
      'file',
    ]);
  });

  it('quick reply: the payload reaches the bot, which answers that choice', async () => {
    await post(h, 'quick-reply');
    await h.graph.waitFor(() => h.graph.sentMessages(CUSTOMER).length === 1);
    expect(h.graph.sentTexts(CUSTOMER)[0]).toContain('track your order');
    expect(JSON.parse((await messagesOf(h))[0].content ?? '{}')).toMatchObject({ payload: 'TRACK_ORDER' });
  });

  it('echo from the Page inbox: recorded as an agent message, never answered', async () => {
    await post(h, 'echo-page-inbox');
    await waitForIdle(h);
    expect(await messagesOf(h)).toEqual([
      expect.objectContaining({ direction: 'out', author: 'agent', status: 'sent', text: 'Hi, this is Anna from the shop team.' }),
    ]);
    expect(h.graph.sentMessages()).toHaveLength(0);
    expect((await conversationOf(h))?.last_user_event_at).toBeNull();
  });

  it('our own echo: matched to the message we sent, not stored twice', async () => {
    const reply = await replyTo(h, 'hello');
    const before = (await messagesOf(h)).length;
    await post(h, 'echo-own', { MID: reply.mid as string, MESSAGE_ID: reply.id });
    expect((await messagesOf(h)).length).toBe(before);
  });

  it('postback with referral: the Get Started payload reaches the bot as that choice', async () => {
    await post(h, 'postback-referral');
    await h.graph.waitFor(() => h.graph.sentMessages(CUSTOMER).length === 1);
    expect(h.graph.sentTexts(CUSTOMER)[0]).toContain('virtual assistant');
    expect((await messagesOf(h))[0]).toMatchObject({ direction: 'in', text: 'Get Started' });
    expect((await conversationOf(h))?.last_user_event_at).not.toBeNull();
  });

  it.each([
    ['referral', 'winter-promo'],
    ['optin', 'WEEKLY_NEWS'],
  ])('%s: recorded, re-opens the window, not answered', async (name, payload) => {
    await post(h, name);
    expect(await eventsOf(h)).toEqual([expect.objectContaining({ type: name, reason: `${name}: ${payload}` })]);
    expect((await conversationOf(h))?.last_user_event_at).toEqual(expect.any(Number));
    expect(h.graph.sentMessages()).toHaveLength(0);
  });

  it('delivery and read: watermarks advance our messages to delivered, then read', async () => {
    const reply = await replyTo(h, 'hello');
    await post(h, 'delivery', { MID: reply.mid as string });
    expect((await h.persistence.repos.messages.findById(reply.id))?.status).toBe('delivered');
    await post(h, 'read');
    expect((await h.persistence.repos.messages.findById(reply.id))?.status).toBe('read');
    expect((await conversationOf(h))?.last_user_event_at).toBe((await messagesOf(h))[0].event_ts); // receipts do not move the window
  });

  it('reaction: recorded and re-opens the window', async () => {
    await post(h, 'reaction');
    expect(await eventsOf(h)).toEqual([expect.objectContaining({ type: 'reaction', reason: 'reaction: react: mid m_fx_text' })]);
    expect((await conversationOf(h))?.last_user_event_at).toEqual(expect.any(Number));
  });

  it('edit: the stored message gets the new text (same mid, no new row)', async () => {
    await post(h, 'text');
    await post(h, 'edit');
    const inbound = (await messagesOf(h)).filter((m) => m.direction === 'in');
    expect(inbound).toEqual([expect.objectContaining({ mid: 'm_fx_text', text: 'where is my order #123' })]);
  });

  it('policy enforcement block: the page is marked blocked and sends to it stop', async () => {
    await post(h, 'policy-enforcement');
    expect(await h.persistence.repos.pageStates.get(PAGE_ID)).toMatchObject({
      blocked: 1,
      block_reason: 'The bot violated our Platform Policies',
    });
    await h.simulator.sendText(testPsid('after-block'), 'hello');
    await waitForIdle(h, { ignorePausedPages: true });
    expect(h.graph.sentMessages()).toHaveLength(0);
    const queued = await messagesOf(h, testPsid('after-block'));
    expect(queued.find((m) => m.direction === 'out')?.status).toBe('queued'); // kept, not lost
  });

  it('policy enforcement with the legacy key: accepted (a warning does not block)', async () => {
    await post(h, 'policy-enforcement-legacy-key');
    expect((await h.persistence.repos.pageStates.get(PAGE_ID))?.blocked ?? 0).toBe(0);
  });

  it('standby: recorded only — another app owns the thread', async () => {
    await post(h, 'standby');
    await waitForIdle(h);
    expect(await messagesOf(h)).toEqual([expect.objectContaining({ text: 'hello, anyone?', direction: 'in' })]);
    expect(h.graph.sentMessages()).toHaveLength(0);
  });

  it('handover (thread control): recorded', async () => {
    await post(h, 'handover');
    expect(await eventsOf(h)).toEqual([expect.objectContaining({ type: 'handover', reason: 'handover: pass_thread_control' })]);
  });

  it('two pages: each processed, each reply with its own Page token and policy', async () => {
    await post(h, 'two-pages');
    await h.graph.waitFor(() => h.graph.sentMessages().length === 2);
    expect(h.graph.sentMessages(testPsid('page-1'))[0].accessToken).toBe(PAGE_TOKEN);
    expect(h.graph.sentMessages(testPsid('page-2'))[0].accessToken).toBe(PAGE2_TOKEN);
    expect(await messagesOf(h, testPsid('page-2'), PAGE2_ID)).toHaveLength(2);
  });

  it('unknown page: acknowledged and ignored', async () => {
    await post(h, 'unknown-page');
    expect(await h.persistence.repos.journal.countByStatus()).toEqual({});
  });

  it('unknown event kind: kept raw in the journal; the next event of the batch is processed', async () => {
    await post(h, 'unknown-event');
    const unknown = await h.persistence.db.selectFrom('inbound_events').selectAll().where('kind', '=', 'unknown').executeTakeFirstOrThrow();
    expect(JSON.parse(unknown.event)).toMatchObject({ raw: { game_play: { game_id: 'g1' } } });
    expect((await messagesOf(h)).map((m) => m.mid)).toContain('m_fx_after_unknown');
  });

  it('malformed items: skipped and logged, the rest of the batch kept', async () => {
    await post(h, 'malformed-item');
    expect((await messagesOf(h)).filter((m) => m.direction === 'in').map((m) => m.mid)).toEqual(['m_fx_good']);
  });

  it('duplicate delivery inside one batch: one stored message, one reply', async () => {
    await post(h, 'duplicate-delivery');
    await h.graph.waitFor(() => h.graph.sentMessages(CUSTOMER).length >= 1);
    await waitForIdle(h);
    expect(h.graph.sentMessages(CUSTOMER)).toHaveLength(1);
    expect((await messagesOf(h)).filter((m) => m.direction === 'in')).toHaveLength(1);
  });

  it('instagram from an account linked to no configured Page: acknowledged and ignored', async () => {
    await post(h, 'instagram');
    expect(await h.persistence.repos.journal.countByStatus()).toEqual({});
  });

  it('batch of 3 entries × 5 events: all 15 processed; the same batch posted twice concurrently has the effects of one', async () => {
    const body = loadFixture('batch-3x5');
    const responses = await Promise.all([h.simulator.post(body), h.simulator.post(body)]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    await drained(h);
    await h.graph.waitFor(() => h.graph.sentMessages().length >= 15, 5000);
    await waitForIdle(h);
    expect(h.graph.sentMessages()).toHaveLength(15);
    const inbound = await h.persistence.db.selectFrom('messages').select('mid').where('direction', '=', 'in').execute();
    expect(inbound).toHaveLength(15);
    expect(new Set(h.graph.sentMessages().map((r) => (r.body as { recipient: { id: string } }).recipient.id)).size).toBe(15);
  });
});

describe('Messenger webhook events: attachments', () => {
  // One app for the eight: each reads back only its own message (by its fixture's mid), so none sees another's.
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm();
  });
  afterAll(() => h.close());

  it.each(['image', 'audio', 'video', 'file', 'location', 'fallback', 'sticker', 'template'])(
    'attachment %s: stored with its type and fields',
    async (type) => {
      await post(h, `attachment-${type}`);
      const message = (await messagesOf(h)).find((m) => m.mid === `m_fx_att_${type}`);
      expect(message).toMatchObject({ direction: 'in', author: 'customer' });
      const content = JSON.parse(message?.content ?? '{}') as {
        attachments: { type: string; url?: string; stickerId?: string; coordinates?: unknown }[];
      };
      expect(content.attachments).toHaveLength(1);
      expect(content.attachments[0].type).toBe(type);
      if (['image', 'audio', 'video', 'file'].includes(type)) expect(content.attachments[0].url).toMatch(/^https:\/\//);
      if (type === 'sticker') expect(content.attachments[0].stickerId).toBe('369239263222822');
      if (type === 'location') expect(content.attachments[0].coordinates).toEqual({ lat: 52.52, long: 13.405 });
    },
  );
});
