import { SEND_API_SUBCODE_MESSAGE_WITH_SENDER_ACTION, validateSendApiRequest } from './send-api-validator';

type Body = Record<string, unknown>;

const recipient = { id: '1254459154682919' };
const send = (message: unknown, extra: Body = {}): Body => ({ recipient, messaging_type: 'RESPONSE', message, ...extra });
const buttonTemplate = (buttons: unknown[], text: unknown = 'Pick one') => ({
  attachment: { type: 'template', payload: { template_type: 'button', text, buttons } },
});
const generic = (elements: unknown[], extra: Body = {}) => ({
  attachment: { type: 'template', payload: { template_type: 'generic', elements, ...extra } },
});
const mediaTemplate = (element: Body) => ({ attachment: { type: 'template', payload: { template_type: 'media', elements: [element] } } });
const postback = (i = 0) => ({ type: 'postback', title: `Option ${i}`, payload: `P${i}` });
const qr = (i = 0) => ({ content_type: 'text', title: `R${i}`, payload: `R${i}` });
const repeat = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
/** `n` characters as counted by default (UTF-16 units), a quarter of them in two-unit emoji. */
const chars = (n: number) => '👍'.repeat(Math.floor(n / 4)) + 'a'.repeat(n - 2 * Math.floor(n / 4));

interface Case {
  rule: string;
  passes: unknown;
  fails: unknown;
  /** Expected error: code 100 always; the parameter must appear in the message. */
  param: string;
  subcode?: number;
}

const CASES: Case[] = [
  // request envelope
  { rule: 'body is an object', passes: send({ text: 'Hi' }), fails: 'text=Hi', param: 'request body' },
  {
    rule: 'recipient is required',
    passes: send({ text: 'Hi' }),
    fails: { messaging_type: 'RESPONSE', message: { text: 'Hi' } },
    param: 'recipient',
  },
  {
    rule: 'recipient has exactly one id',
    passes: send({ text: 'Hi' }, { recipient: { user_ref: 'ref-1' } }),
    fails: send({ text: 'Hi' }, { recipient: { id: '1', user_ref: 'ref-1' } }),
    param: 'recipient',
  },
  {
    rule: 'recipient needs an id',
    passes: send({ text: 'Hi' }, { recipient: { comment_id: '1_2' } }),
    fails: send({ text: 'Hi' }, { recipient: {} }),
    param: 'recipient',
  },
  {
    rule: 'recipient id is non-empty',
    passes: send({ text: 'Hi' }, { recipient: { notification_messages_token: 'tok' } }),
    fails: send({ text: 'Hi' }, { recipient: { id: '' } }),
    param: 'recipient[id]',
  },
  {
    rule: 'recipient keys are known',
    passes: send({ text: 'Hi' }, { recipient: { post_id: '1_2' } }),
    fails: send({ text: 'Hi' }, { recipient: { psid: '1' } }),
    param: 'recipient[psid]',
  },
  {
    rule: 'message and sender_action are exclusive',
    passes: { recipient, sender_action: 'typing_on' },
    fails: { ...send({ text: 'Hi' }), sender_action: 'typing_on' },
    param: 'sender_action',
    subcode: SEND_API_SUBCODE_MESSAGE_WITH_SENDER_ACTION,
  },
  {
    rule: 'message or sender_action is required',
    passes: { recipient, sender_action: 'mark_seen' },
    fails: { recipient, messaging_type: 'RESPONSE' },
    param: 'message or sender_action',
  },
  // sender actions
  {
    rule: 'sender_action is known',
    passes: { recipient, sender_action: 'typing_off' },
    fails: { recipient, sender_action: 'typing' },
    param: 'sender_action',
  },
  {
    rule: 'sender_action body holds only recipient',
    passes: { recipient, sender_action: 'typing_on' },
    fails: { recipient, sender_action: 'typing_on', messaging_type: 'RESPONSE' },
    param: 'messaging_type',
    subcode: SEND_API_SUBCODE_MESSAGE_WITH_SENDER_ACTION,
  },
  {
    rule: 'payload only with react/unreact',
    passes: { recipient, sender_action: 'react', payload: { message_id: 'm_1', reaction: 'love' } },
    fails: { recipient, sender_action: 'mark_seen', payload: { message_id: 'm_1' } },
    param: 'payload',
    subcode: SEND_API_SUBCODE_MESSAGE_WITH_SENDER_ACTION,
  },
  {
    rule: 'react needs message_id and reaction',
    passes: { recipient, sender_action: 'unreact', payload: { message_id: 'm_1' } },
    fails: { recipient, sender_action: 'react', payload: { message_id: 'm_1' } },
    param: 'payload[reaction]',
  },
  // messaging type and tags
  {
    rule: 'messaging_type is required for messages',
    passes: send({ text: 'Hi' }),
    fails: { recipient, message: { text: 'Hi' } },
    param: 'messaging_type',
  },
  {
    rule: 'messaging_type is known',
    passes: send({ text: 'Hi' }, { messaging_type: 'UPDATE' }),
    fails: send({ text: 'Hi' }, { messaging_type: 'NON_PROMOTIONAL' }),
    param: 'messaging_type',
  },
  {
    rule: 'MESSAGE_TAG needs a tag',
    passes: send({ text: 'Hi' }, { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }),
    fails: send({ text: 'Hi' }, { messaging_type: 'MESSAGE_TAG' }),
    param: 'tag',
  },
  {
    rule: 'tag only with MESSAGE_TAG',
    passes: send({ text: 'Hi' }, { messaging_type: 'UTILITY' }),
    fails: send({ text: 'Hi' }, { tag: 'HUMAN_AGENT' }),
    param: 'tag',
  },
  ...['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'].map((tag) => ({
    rule: `retired tag ${tag} is rejected`,
    passes: send({ text: 'Hi' }, { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }),
    fails: send({ text: 'Hi' }, { messaging_type: 'MESSAGE_TAG', tag }),
    param: 'tag',
  })),
  {
    rule: 'CUSTOMER_FEEDBACK only with the customer_feedback template',
    passes: send(
      { attachment: { type: 'template', payload: { template_type: 'customer_feedback', title: 'Rate us' } } },
      { messaging_type: 'MESSAGE_TAG', tag: 'CUSTOMER_FEEDBACK' },
    ),
    fails: send({ text: 'Rate us' }, { messaging_type: 'MESSAGE_TAG', tag: 'CUSTOMER_FEEDBACK' }),
    param: 'tag',
  },
  {
    rule: 'notification_type is known',
    passes: send({ text: 'Hi' }, { notification_type: 'SILENT_PUSH' }),
    fails: send({ text: 'Hi' }, { notification_type: 'LOUD' }),
    param: 'notification_type',
  },
  {
    rule: 'reply_to has a mid',
    passes: send({ text: 'Hi' }, { reply_to: { mid: 'm_1' } }),
    fails: send({ text: 'Hi' }, { reply_to: {} }),
    param: 'reply_to[mid]',
  },
  {
    rule: 'top-level keys are known',
    passes: send({ text: 'Hi' }, { persona_id: '42' }),
    fails: send({ text: 'Hi' }, { messagingType: 'RESPONSE' }),
    param: 'messagingType',
  },
  // message content
  {
    rule: 'message has one content',
    passes: send({ sticker_id: 369239263222822 }),
    fails: send({ text: 'Hi', attachment: { type: 'image', payload: { attachment_id: '1' } } }),
    param: 'message',
  },
  { rule: 'message has some content', passes: send({ text: 'Hi', metadata: 'm' }), fails: send({ metadata: 'm' }), param: 'message' },
  {
    rule: 'message keys are known',
    passes: send({ text: 'Hi', quick_replies: [qr()] }),
    fails: send({ text: 'Hi', quickReplies: [qr()] }),
    param: 'message[quickReplies]',
  },
  { rule: 'text is non-empty', passes: send({ text: '.' }), fails: send({ text: '  ' }), param: 'message[text]' },
  { rule: 'text is < 2000 characters', passes: send({ text: chars(1999) }), fails: send({ text: chars(2000) }), param: 'message[text]' },
  { rule: 'text is valid UTF-8', passes: send({ text: '😀' }), fails: send({ text: 'broken \ud83d' }), param: 'message[text]' },
  {
    rule: 'metadata is < 1000 characters',
    passes: send({ text: 'Hi', metadata: chars(999) }),
    fails: send({ text: 'Hi', metadata: chars(1000) }),
    param: 'message[metadata]',
  },
  // quick replies
  {
    rule: 'at most 13 quick replies',
    passes: send({ text: 'Hi', quick_replies: repeat(13, qr) }),
    fails: send({ text: 'Hi', quick_replies: repeat(14, qr) }),
    param: 'message[quick_replies]',
  },
  {
    rule: 'at least 1 quick reply',
    passes: send({ text: 'Hi', quick_replies: [qr()] }),
    fails: send({ text: 'Hi', quick_replies: [] }),
    param: 'message[quick_replies]',
  },
  {
    rule: 'quick replies only with text or attachment',
    passes: send({ attachment: { type: 'image', payload: { attachment_id: '1' } }, quick_replies: [qr()] }),
    fails: send({ sticker_id: '369239263222822', quick_replies: [qr()] }),
    param: 'message[quick_replies]',
  },
  {
    rule: 'quick reply content_type is known',
    passes: send({ text: 'Hi', quick_replies: [{ content_type: 'user_phone_number' }] }),
    fails: send({ text: 'Hi', quick_replies: [{ content_type: 'location' }] }),
    param: 'message[quick_replies][0][content_type]',
  },
  {
    rule: 'quick reply title ≤ 20',
    passes: send({ text: 'Hi', quick_replies: [{ content_type: 'text', title: chars(20), payload: 'P' }] }),
    fails: send({ text: 'Hi', quick_replies: [{ content_type: 'text', title: chars(21), payload: 'P' }] }),
    param: 'message[quick_replies][0][title]',
  },
  {
    rule: 'quick reply title empty only with image_url',
    passes: send({ text: 'Hi', quick_replies: [{ content_type: 'text', title: '', payload: 'P', image_url: 'https://x.io/red.png' }] }),
    fails: send({ text: 'Hi', quick_replies: [{ content_type: 'text', title: '', payload: 'P' }] }),
    param: 'message[quick_replies][0][title]',
  },
  {
    rule: 'quick reply payload ≤ 1000',
    passes: send({ text: 'Hi', quick_replies: [{ content_type: 'text', title: 'T', payload: chars(1000) }] }),
    fails: send({ text: 'Hi', quick_replies: [{ content_type: 'text', title: 'T', payload: chars(1001) }] }),
    param: 'message[quick_replies][0][payload]',
  },
  // attachments
  {
    rule: 'attachment type is known',
    passes: send({ attachment: { type: 'file', payload: { url: 'https://x.io/a.pdf' } } }),
    fails: send({ attachment: { type: 'gif', payload: { url: 'https://x.io/a.gif' } } }),
    param: 'message[attachment][type]',
  },
  {
    rule: 'attachment has url XOR attachment_id',
    passes: send({ attachment: { type: 'video', payload: { attachment_id: '1' } } }),
    fails: send({ attachment: { type: 'video', payload: { url: 'https://x.io/a.mp4', attachment_id: '1' } } }),
    param: 'message[attachment][payload]',
  },
  {
    rule: 'attachment url is HTTPS',
    passes: send({ attachment: { type: 'image', payload: { url: 'https://x.io/a.png', is_reusable: true } } }),
    fails: send({ attachment: { type: 'image', payload: { url: 'http://x.io/a.png' } } }),
    param: 'message[attachment][payload][url]',
  },
  {
    rule: 'is_reusable only with url',
    passes: send({ attachment: { type: 'audio', payload: { url: 'https://x.io/a.mp3', is_reusable: false } } }),
    fails: send({ attachment: { type: 'audio', payload: { attachment_id: '1', is_reusable: true } } }),
    param: 'message[attachment][payload][is_reusable]',
  },
  {
    rule: 'retired list template is rejected',
    passes: send(generic([{ title: 'A', subtitle: 'b' }])),
    fails: send({ attachment: { type: 'template', payload: { template_type: 'list', elements: [] } } }),
    param: 'message[attachment][payload][template_type]',
  },
  // button template and buttons
  {
    rule: 'button template text ≤ 640',
    passes: send(buttonTemplate([postback()], chars(640))),
    fails: send(buttonTemplate([postback()], chars(641))),
    param: 'message[attachment][payload][text]',
  },
  {
    rule: 'button template has ≤ 3 buttons',
    passes: send(buttonTemplate(repeat(3, postback))),
    fails: send(buttonTemplate(repeat(4, postback))),
    param: 'message[attachment][payload][buttons]',
  },
  {
    rule: 'button template has ≥ 1 button',
    passes: send(buttonTemplate([postback()])),
    fails: send(buttonTemplate([])),
    param: 'message[attachment][payload][buttons]',
  },
  {
    rule: 'button title ≤ 20',
    passes: send(buttonTemplate([{ type: 'postback', title: chars(20), payload: 'P' }])),
    fails: send(buttonTemplate([{ type: 'postback', title: chars(21), payload: 'P' }])),
    param: 'message[attachment][payload][buttons][0][title]',
  },
  {
    rule: 'postback payload ≤ 1000',
    passes: send(buttonTemplate([{ type: 'postback', title: 'T', payload: chars(1000) }])),
    fails: send(buttonTemplate([{ type: 'postback', title: 'T', payload: chars(1001) }])),
    param: 'message[attachment][payload][buttons][0][payload]',
  },
  {
    rule: 'button type is known',
    passes: send(buttonTemplate([{ type: 'account_unlink' }])),
    fails: send(buttonTemplate([{ type: 'url', title: 'Site', url: 'https://x.io' }])),
    param: 'message[attachment][payload][buttons][0][type]',
  },
  {
    rule: 'web_url needs a valid URL',
    passes: send(buttonTemplate([{ type: 'web_url', title: 'Site', url: 'http://x.io' }])),
    fails: send(buttonTemplate([{ type: 'web_url', title: 'Site', url: 'x.io' }])),
    param: 'message[attachment][payload][buttons][0][url]',
  },
  {
    rule: 'web_url is HTTPS with messenger_extensions',
    passes: send(buttonTemplate([{ type: 'web_url', title: 'Site', url: 'https://x.io', messenger_extensions: true }])),
    fails: send(buttonTemplate([{ type: 'web_url', title: 'Site', url: 'http://x.io', messenger_extensions: true }])),
    param: 'message[attachment][payload][buttons][0][url]',
  },
  {
    rule: 'fallback_url only with messenger_extensions',
    passes: send(
      buttonTemplate([{ type: 'web_url', title: 'Site', url: 'https://x.io', messenger_extensions: true, fallback_url: 'https://x.io/f' }]),
    ),
    fails: send(
      buttonTemplate([
        { type: 'web_url', title: 'Site', url: 'https://x.io', messenger_extensions: false, fallback_url: 'https://x.io/f' },
      ]),
    ),
    param: 'message[attachment][payload][buttons][0][fallback_url]',
  },
  {
    rule: 'webview_height_ratio is compact|tall|full',
    passes: send(buttonTemplate([{ type: 'web_url', title: 'Site', url: 'https://x.io', webview_height_ratio: 'compact' }])),
    fails: send(buttonTemplate([{ type: 'web_url', title: 'Site', url: 'https://x.io', webview_height_ratio: 'half' }])),
    param: 'message[attachment][payload][buttons][0][webview_height_ratio]',
  },
  {
    rule: 'phone_number payload matches ^\\+[0-9]+$',
    passes: send(buttonTemplate([{ type: 'phone_number', title: 'Call', payload: '+16505551234' }])),
    fails: send(buttonTemplate([{ type: 'phone_number', title: 'Call', payload: '16505551234' }])),
    param: 'message[attachment][payload][buttons][0][payload]',
  },
  {
    rule: 'button keys are known (snake_case)',
    passes: send(buttonTemplate([{ type: 'web_url', title: 'Site', url: 'https://x.io', webview_share_button: 'hide' }])),
    fails: send(buttonTemplate([{ type: 'web_url', title: 'Site', url: 'https://x.io', webviewHeightRatio: 'tall' }])),
    param: 'message[attachment][payload][buttons][0][webviewHeightRatio]',
  },
  // generic template
  {
    rule: 'generic has ≤ 10 elements',
    passes: send(generic(repeat(10, () => ({ title: 'A', subtitle: 'b' })))),
    fails: send(generic(repeat(11, () => ({ title: 'A', subtitle: 'b' })))),
    param: 'message[attachment][payload][elements]',
  },
  {
    rule: 'generic has ≥ 1 element',
    passes: send(generic([{ title: 'A', subtitle: 'b' }])),
    fails: send(generic([])),
    param: 'message[attachment][payload][elements]',
  },
  {
    rule: 'element title ≤ 80',
    passes: send(generic([{ title: chars(80), subtitle: 'b' }])),
    fails: send(generic([{ title: chars(81), subtitle: 'b' }])),
    param: 'message[attachment][payload][elements][0][title]',
  },
  {
    rule: 'element title is required',
    passes: send(generic([{ title: 'A', subtitle: 'b' }])),
    fails: send(generic([{ subtitle: 'b' }])),
    param: 'message[attachment][payload][elements][0][title]',
  },
  {
    rule: 'element subtitle ≤ 80',
    passes: send(generic([{ title: 'A', subtitle: chars(80) }])),
    fails: send(generic([{ title: 'A', subtitle: chars(81) }])),
    param: 'message[attachment][payload][elements][0][subtitle]',
  },
  {
    rule: 'element has a field besides title',
    passes: send(generic([{ title: 'A', image_url: 'https://x.io/a.png' }])),
    fails: send(generic([{ title: 'A' }])),
    param: 'message[attachment][payload][elements][0]',
  },
  {
    rule: 'element has ≤ 3 buttons',
    passes: send(generic([{ title: 'A', buttons: repeat(3, postback) }])),
    fails: send(generic([{ title: 'A', buttons: repeat(4, postback) }])),
    param: 'message[attachment][payload][elements][0][buttons]',
  },
  {
    rule: 'image_aspect_ratio is horizontal|square',
    passes: send(generic([{ title: 'A', subtitle: 'b' }], { image_aspect_ratio: 'square' })),
    fails: send(generic([{ title: 'A', subtitle: 'b' }], { image_aspect_ratio: 'portrait' })),
    param: 'message[attachment][payload][image_aspect_ratio]',
  },
  {
    rule: 'default_action is a web_url without title',
    passes: send(generic([{ title: 'A', default_action: { type: 'web_url', url: 'https://x.io', webview_height_ratio: 'tall' } }])),
    fails: send(generic([{ title: 'A', default_action: { type: 'web_url', url: 'https://x.io', title: 'Open' } }])),
    param: 'message[attachment][payload][elements][0][default_action][title]',
  },
  // media template
  {
    rule: 'media template media_type is image|video',
    passes: send(mediaTemplate({ media_type: 'video', attachment_id: '1' })),
    fails: send(mediaTemplate({ media_type: 'audio', attachment_id: '1' })),
    param: 'message[attachment][payload][elements][0][media_type]',
  },
  {
    rule: 'media template has exactly one element',
    passes: send(mediaTemplate({ media_type: 'image', attachment_id: '1' })),
    fails: send({
      attachment: {
        type: 'template',
        payload: {
          template_type: 'media',
          elements: [
            { media_type: 'image', attachment_id: '1' },
            { media_type: 'image', attachment_id: '2' },
          ],
        },
      },
    }),
    param: 'message[attachment][payload][elements]',
  },
  {
    rule: 'media template has attachment_id XOR url',
    passes: send(mediaTemplate({ media_type: 'image', url: 'https://www.facebook.com/photo.php?fbid=1' })),
    fails: send(mediaTemplate({ media_type: 'image' })),
    param: 'message[attachment][payload][elements][0]',
  },
  {
    rule: 'media template url is a Facebook URL',
    passes: send(mediaTemplate({ media_type: 'image', url: 'https://business.facebook.com/x/videos/1' })),
    fails: send(mediaTemplate({ media_type: 'image', url: 'https://cdn.example.com/a.png' })),
    param: 'message[attachment][payload][elements][0][url]',
  },
  {
    rule: 'media template has ≤ 3 buttons',
    passes: send(mediaTemplate({ media_type: 'image', attachment_id: '1', buttons: repeat(3, postback) })),
    fails: send(mediaTemplate({ media_type: 'image', attachment_id: '1', buttons: repeat(4, postback) })),
    param: 'message[attachment][payload][elements][0][buttons]',
  },
];

describe(validateSendApiRequest.name, () => {
  describe.each(CASES)('$rule', ({ passes, fails, param, subcode }) => {
    it('should accept the valid request', () => {
      expect(validateSendApiRequest(passes)).toEqual({ ok: true });
    });

    it('should reject the invalid request with error 100 naming the parameter', () => {
      const result = validateSendApiRequest(fails);

      expect(result).toMatchObject({ ok: false, code: 100 });
      if (result.ok) return;
      expect(result.message).toMatch(/^\(#100\) /);
      expect(result.message).toContain(param);
      expect(result.subcode).toBe(subcode);
    });
  });

  it('should answer with Meta-style messages', () => {
    expect(validateSendApiRequest(send({ text: chars(2000) }))).toEqual({
      ok: false,
      code: 100,
      message: '(#100) Param message[text] must be less than 2000 characters (got 2000)',
    });
    expect(validateSendApiRequest({ recipient, message: { text: 'Hi' }, sender_action: 'typing_on' })).toEqual({
      ok: false,
      code: 100,
      subcode: 2018014,
      message: '(#100) Param sender_action cannot be sent with message in the same request',
    });
  });

  it('should tolerate transport parameters in the body', () => {
    expect(validateSendApiRequest(send({ text: 'Hi' }, { access_token: 'EAAG', appsecret_proof: 'abc' }))).toEqual({ ok: true });
    expect(validateSendApiRequest({ recipient, sender_action: 'typing_on', access_token: 'EAAG' })).toEqual({ ok: true });
  });

  it("should count UTF-16 code units by default (as Meta's SDKs do) and can simulate a laxer count", () => {
    const body = send({ text: '👍🏽'.repeat(500) }); // 500 graphemes, 2000 UTF-16 units

    expect(validateSendApiRequest(body)).toMatchObject({ ok: false, code: 100 });
    expect(validateSendApiRequest(body, { characterCounting: 'grapheme' })).toEqual({ ok: true });
    expect(validateSendApiRequest(send({ text: 'é'.repeat(1999) }))).toEqual({ ok: true });
    expect(validateSendApiRequest(send({ text: 'e\u0301'.repeat(1000) }))).toMatchObject({ ok: false });
  });
});
