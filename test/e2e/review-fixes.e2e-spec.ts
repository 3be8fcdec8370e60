import { CcmHarness, eventually, PAGE_ID, startCcm, waitForIdle } from '../helpers/ccm-harness';

/** Bugs found in review (issue 12), each shown end to end against the Graph API double. */
describe('review fixes: Messenger webhook and Send API edges', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm();
  });
  afterAll(() => h.close());

  const post = (messaging: Record<string, unknown>[]) =>
    h.simulator.post({ object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging }] });

  it('should answer a chat-plugin visitor (sender.user_ref) with recipient.user_ref, not a made-up id', async () => {
    const response = await post([
      {
        sender: { user_ref: 'plugin-visitor-1' },
        recipient: { id: PAGE_ID },
        timestamp: Date.now(),
        message: { mid: 'm_ref_1', text: 'hello' },
      },
    ]);
    expect(response.status).toBe(200);
    await h.graph.waitFor((requests) =>
      requests.some((r) => (r.body as { recipient?: { user_ref?: string } } | undefined)?.recipient?.user_ref === 'plugin-visitor-1'),
    );
    await waitForIdle(h);
    const toMadeUpId = h.graph.requests.filter((r) =>
      (r.body as { recipient?: { id?: string } } | undefined)?.recipient?.id?.startsWith('user_ref:'),
    );
    expect(toMadeUpId).toEqual([]);
  });

  it('should skip a sender id that is not numeric (never a real PSID) at intake, keep the rest of the batch, and send it nothing', async () => {
    const response = await post([
      { sender: { id: 'psid-made-up' }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message: { mid: 'm_fake_1', text: 'hello' } },
      {
        sender: { id: '7100000000000009' },
        recipient: { id: PAGE_ID },
        timestamp: Date.now(),
        message: { mid: 'm_real_1', text: 'hello' },
      },
    ]);
    expect(response.status).toBe(200);
    await h.graph.waitFor(() => h.graph.sentMessages('7100000000000009').length > 0);
    await waitForIdle(h);
    expect(h.graph.sentMessages('psid-made-up')).toEqual([]);
    const conversation = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: PAGE_ID,
      customerId: 'psid-made-up',
    });
    expect(conversation).toBeUndefined();
  });

  it('should apply a delivery receipt in the documented shape (no timestamp): the message shows delivered', async () => {
    const psid = '7100000000000001';
    await h.simulator.sendText(psid, 'hello');
    await h.graph.waitFor(() => h.graph.sentMessages(psid).length > 0);
    const conversation = await eventually(async () =>
      (await h.persistence.repos.conversations.listByState('BOT')).find((c) => c.customer_id === psid),
    );
    const reply = await eventually(async () =>
      (await h.persistence.repos.messages.listForConversation(conversation.id)).find((m) => m.direction === 'out' && m.mid),
    );
    const response = await post([
      { sender: { id: psid }, recipient: { id: PAGE_ID }, delivery: { mids: [reply.mid], watermark: Date.now() } },
    ]);
    expect(response.status).toBe(200);
    await eventually(async () => (await h.persistence.repos.messages.findById(reply.id))?.status === 'delivered');
  });

  it("should not process an item addressed to another Page than the entry's as if it were the entry's", async () => {
    const psid = '7100000000000002';
    const response = await post([
      { sender: { id: psid }, recipient: { id: '9999999999' }, timestamp: Date.now(), message: { mid: 'm_other_page', text: 'hello' } },
    ]);
    expect(response.status).toBe(200);
    await waitForIdle(h);
    expect((await h.persistence.repos.conversations.listByState('BOT')).filter((c) => c.customer_id === psid)).toEqual([]);
    expect(h.graph.sentMessages(psid)).toEqual([]);
  });
});
