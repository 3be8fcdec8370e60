import { verifyTimestampedSignature } from '@app/core';
import { RichMessage } from '@app/templates';
import { HttpBotConnector } from './http-bot.connector';
import { buildHttpBotRequest, parseHttpBotResponse } from './http-bot.contract';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

const fallback: RichMessage[] = [{ kind: 'text', text: 'Sorry?' }];
const input = { conversationId: 'c-1', pageId: 'p-1', customerId: 'psid-1', text: 'hello' };

describe('buildHttpBotRequest', () => {
  it('should send typed text with the conversation context', () => {
    expect(buildHttpBotRequest(input)).toEqual({
      version: 1,
      conversation: { id: 'c-1', pageId: 'p-1', customerId: 'psid-1' },
      event: { type: 'text', text: 'hello' },
    });
  });

  it('should send a tapped button as a structured choice', () => {
    expect(buildHttpBotRequest({ ...input, text: 'Track order', payload: 'TRACK' }).event).toEqual({
      type: 'choice',
      text: 'Track order',
      choice: { payload: 'TRACK' },
    });
  });
});

describe('parseHttpBotResponse', () => {
  it('should accept a full answer with rich messages, a fallback and a hand-over request', () => {
    const reply = parseHttpBotResponse(
      {
        intent: 'human',
        confidence: 0.9,
        handover: true,
        messages: ['One moment.', { kind: 'buttons', text: 'Or:', buttons: [{ type: 'postback', title: 'Menu', payload: 'MENU' }] }],
        fallback: [{ kind: 'text', text: 'Try again?' }],
      },
      fallback,
    );
    expect(reply).toEqual({
      intent: 'human',
      confidence: 0.9,
      handoverRequested: true,
      fallback: [{ kind: 'text', text: 'Try again?' }],
      answer: [
        { kind: 'text', text: 'One moment.' },
        { kind: 'buttons', text: 'Or:', buttons: [{ type: 'postback', title: 'Menu', payload: 'MENU' }] },
      ],
    });
  });

  it('should default intent, fallback and hand-over, and ignore unknown fields', () => {
    expect(parseHttpBotResponse({ confidence: 0.2, messages: [], extra: 1 }, fallback)).toEqual({
      intent: undefined,
      confidence: 0.2,
      answer: [],
      fallback,
      handoverRequested: false,
    });
  });

  it.each([
    [null, 'expected a JSON object'],
    [[], 'expected a JSON object'],
    [{ messages: [] }, 'confidence: must be a number in 0..1 (got nothing)'],
    [{ confidence: 2, messages: [] }, 'confidence: must be a number in 0..1 (got 2)'],
    [{ confidence: 0.5 }, 'messages: must be an array'],
    [{ confidence: 0.5, messages: [], intent: 3 }, 'intent: must be a non-empty string or null'],
    [{ confidence: 0.5, messages: [], handover: 'yes' }, 'handover: must be true or false'],
    [{ confidence: 0.5, messages: [], fallback: 'x' }, 'fallback: must be an array'],
    [{ confidence: 0.5, messages: [{ kind: 'carousel', cards: [] }] }, 'messages[0]: '],
    [{ confidence: 0.5, messages: [{ kind: 'text' }] }, 'messages[0]: '],
  ])('should refuse %j (%s)', (json, message) => {
    expect(() => parseHttpBotResponse(json, fallback)).toThrow(message);
  });
});

describe('HttpBotConnector', () => {
  it('should POST the contract body signed over "<timestamp>.<raw body>" and map the answer', async () => {
    let seen: { headers: Record<string, string | string[] | undefined>; body: string } | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ intent: 'greet', confidence: 0.8, messages: ['Hi'] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bot`;
      const bot = new HttpBotConnector({ url, secret: 'bot-secret-0123456789', defaultFallback: fallback, now: () => 1_700_000_000_000 });
      const reply = await bot.reply(input);
      expect(reply).toMatchObject({ intent: 'greet', confidence: 0.8, answer: [{ kind: 'text', text: 'Hi' }] });
      expect(seen!.headers['x-ccm-timestamp']).toBe('1700000000000');
      expect(JSON.parse(seen!.body)).toEqual(buildHttpBotRequest(input));
      expect(
        verifyTimestampedSignature('bot-secret-0123456789', '1700000000000', seen!.body, seen!.headers['x-ccm-signature'] as string),
      ).toBe(true);
      expect(
        verifyTimestampedSignature('another-secret-000000', '1700000000000', seen!.body, seen!.headers['x-ccm-signature'] as string),
      ).toBe(false);
    } finally {
      server.close();
    }
  });

  it('should report a contract violation as a bad response with the reason', async () => {
    const server = createServer((_req, res) => res.writeHead(200).end('{"confidence": 0.9, "messages": [{"kind": "text", "text": ""}]}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const bot = new HttpBotConnector({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        secret: 'bot-secret-0123456789',
        defaultFallback: fallback,
      });
      await expect(bot.reply(input)).rejects.toMatchObject({
        kind: 'bad_response',
        message: expect.stringMatching(/^http bot: answer breaks the contract: messages\[0\]: /),
      });
    } finally {
      server.close();
    }
  });
});
