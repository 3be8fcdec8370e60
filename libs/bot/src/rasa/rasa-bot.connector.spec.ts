import { RasaDouble } from '@app/testing';
import { RichMessage } from '@app/templates';
import { RasaBotConnector } from './rasa-bot.connector';

const defaultFallback: RichMessage[] = [{ kind: 'text', text: 'Sorry?' }];
const input = { conversationId: 'conv-1', pageId: 'page-1', customerId: 'psid-1', text: 'hello' };

describe('RasaBotConnector', () => {
  let rasa: RasaDouble;
  beforeEach(async () => {
    rasa = await RasaDouble.start(undefined, 'tok-123');
  });
  afterEach(() => rasa.stop());

  const connector = (handoverIntents: string[] = [], token = 'tok-123') =>
    new RasaBotConnector({ url: `${rasa.url}/`, token, handoverIntents, defaultFallback });

  it('should combine /model/parse confidence with the REST channel replies', async () => {
    const reply = await connector().reply(input);
    expect(reply).toMatchObject({ intent: 'greet', confidence: 0.95, handoverRequested: false });
    expect(reply.answer.map((m) => m.kind)).toEqual(['text', 'buttons']);
    expect(reply.fallback).toBe(reply.answer);
    expect(rasa.restMessages).toEqual([
      { sender: 'conv-1', message: 'hello', metadata: { ccm: { conversationId: 'conv-1', pageId: 'page-1', customerId: 'psid-1' } } },
    ]);
  });

  it('should send a button payload as the message', async () => {
    const reply = await connector().reply({ ...input, text: 'Track my order', payload: '/order_status' });
    expect(reply).toMatchObject({ intent: 'order_status', confidence: 1 });
    expect(
      rasa.requests.map((r) => (r.body as { text?: string; message?: string }).text ?? (r.body as { message: string }).message),
    ).toEqual(['/order_status', '/order_status']);
  });

  it('should request a hand-over for a configured intent', async () => {
    expect((await connector().reply({ ...input, text: 'refund' })).handoverRequested).toBe(false);
    expect((await connector(['refund']).reply({ ...input, text: 'refund' })).handoverRequested).toBe(true);
  });

  it('should not call Rasa for a turn without text (a photo, a sticker)', async () => {
    expect(await connector().reply({ ...input, text: '  ' })).toEqual({
      intent: undefined,
      confidence: 0,
      answer: [],
      fallback: defaultFallback,
      handoverRequested: false,
    });
    expect(rasa.requests).toHaveLength(0);
  });

  it('should fail with the HTTP status when Rasa refuses the token', async () => {
    await expect(connector([], 'wrong').reply(input)).rejects.toMatchObject({
      kind: 'http_status',
      message: expect.stringMatching(/^rasa bot: .* answered HTTP 401$/),
    });
  });

  it('should never put the token into an error message', async () => {
    rasa.fault = 'error';
    const error = (await connector()
      .reply(input)
      .then(
        () => new Error('no failure'),
        (e: unknown) => e,
      )) as Error;
    expect(error.message).toMatch(/answered HTTP 500/);
    expect(error.message).not.toContain('tok-123');
  });
});
