import { validateSendApiRequest, webhookEnvelope } from '@app/graph-double';
import { PAGE_ID, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

interface SendBody {
  message: {
    text?: string;
    attachment?: {
      type: string;
      payload: { template_type?: string; buttons?: { type: string; title: string; payload?: string }[]; elements?: unknown[] };
    };
  };
}

const sent = (h: CcmHarness, psid: string) => h.graph.sentMessages(psid).map((r) => r.body as SendBody);

describe('rich media from the bot, and the customer pressing a button', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm();
  });
  afterAll(() => h.close());

  it('should answer with a 3-button template that Meta accepts', async () => {
    await h.simulator.sendText(testPsid('menu'), 'what can you do');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('menu')).length === 1);
    const [menu] = h.graph.sentMessages(testPsid('menu'));
    expect(validateSendApiRequest(menu.body)).toEqual({ ok: true }); // the double's own Meta rules
    expect((menu.body as SendBody).message.attachment).toEqual({
      type: 'template',
      payload: {
        template_type: 'button',
        text: 'What can I do for you?',
        buttons: [
          { type: 'postback', title: 'Track my order', payload: 'TRACK_ORDER' },
          { type: 'postback', title: 'Returns', payload: 'RETURNS' },
          { type: 'postback', title: 'Talk to a person', payload: 'HUMAN_AGENT' },
        ],
      },
    });
  });

  it('should answer with a text and a 10-card carousel, in order, as a generic template Meta accepts', async () => {
    await h.simulator.sendText(testPsid('shop'), 'show me your products');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('shop')).length === 2);
    const [intro, carousel] = sent(h, testPsid('shop'));
    expect(intro.message.text).toBe('Here are our bestsellers:');
    expect(carousel.message.attachment?.payload.template_type).toBe('generic');
    expect(carousel.message.attachment?.payload.elements).toHaveLength(10);
    expect((carousel.message.attachment?.payload.elements as { title: string; buttons: unknown[] }[])[9]).toMatchObject({
      title: 'Sneaker model 10',
      image_url: 'https://example.com/img/sneaker-10.jpg',
      buttons: [
        { type: 'web_url', title: 'View', url: 'https://example.com/p/10' },
        { type: 'postback', title: 'Buy', payload: 'BUY_SNEAKER_10' },
      ],
    });
    expect(h.graph.sentMessages(testPsid('shop')).every((r) => r.status === 200)).toBe(true);
  });

  it('should treat a pressed button (signed postback) as that choice and give the intended answer', async () => {
    const body = webhookEnvelope([
      {
        pageId: PAGE_ID,
        messaging: [
          {
            sender: { id: testPsid('menu') },
            recipient: { id: PAGE_ID },
            timestamp: Date.now(),
            postback: { mid: 'm_postback_track', title: 'Track my order', payload: 'TRACK_ORDER' },
          },
        ],
      },
    ]);
    expect((await h.simulator.post(body)).status).toBe(200);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('menu')).length === 2);
    expect(sent(h, testPsid('menu'))[1].message.text).toContain('track your order');
    const conversation = await h.persistence.repos.conversations.findByKey({
      channel: 'messenger',
      pageId: PAGE_ID,
      customerId: testPsid('menu'),
    });
    const pressed = await eventually(async () =>
      (await h.persistence.repos.messages.listForConversation(conversation!.id)).find((m) => m.mid === 'm_postback_track'),
    );
    expect(pressed.text).toBe('Track my order');
    expect(JSON.parse(pressed.content ?? '{}')).toMatchObject({
      kind: 'postback',
      choice: { payload: 'TRACK_ORDER', title: 'Track my order', source: 'postback' },
    });
  });

  it('should answer a carousel "Buy" button with that product intent', async () => {
    const body = webhookEnvelope([
      {
        pageId: PAGE_ID,
        messaging: [
          {
            sender: { id: testPsid('shop') },
            recipient: { id: PAGE_ID },
            timestamp: Date.now(),
            postback: { mid: 'm_postback_buy', title: 'Buy', payload: 'BUY_SNEAKER_7' },
          },
        ],
      },
    ]);
    await h.simulator.post(body);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('shop')).length === 3);
    expect(sent(h, testPsid('shop'))[2].message.text).toContain('Great choice!');
  });
});
