import { RICH_MESSAGE_LIMITS as L } from './rich-message.constant';
import { RichMessageValidationError } from './rich-message-validation.error';
import {
  ButtonsMessage,
  CarouselCard,
  CarouselMessage,
  MediaMessage,
  QuickReply,
  RichButton,
  RichMessage,
  TextMessage,
} from './rich-message.types';
import { assertValidRichMessage, formatViolationMessage, validateRichMessage } from './rich-message.validator';

/** `n` characters as Meta counts them (UTF-16 units); a quarter of them in two-unit emoji. */
const chars = (n: number): string => '👍'.repeat(Math.floor(n / 4)) + 'a'.repeat(n - 2 * Math.floor(n / 4));
const repeat = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

const postback = (i = 0): RichButton => ({ type: 'postback', title: `Option ${i}`, payload: `OPT_${i}` });
const text = (value: string): TextMessage => ({ kind: 'text', text: value });
const buttons = (list: RichButton[], value = 'Pick one'): ButtonsMessage => ({ kind: 'buttons', text: value, buttons: list });
const card = (overrides: Partial<CarouselCard> = {}): CarouselCard => ({ title: 'Card', subtitle: 'sub', ...overrides });
const carousel = (cards: CarouselCard[]): CarouselMessage => ({ kind: 'carousel', cards });
const media = (overrides: Partial<MediaMessage> = {}): MediaMessage => ({
  kind: 'media',
  mediaType: 'image',
  url: 'https://cdn.example.com/a.png',
  ...overrides,
});
const withQuickReplies = (replies: QuickReply[]): TextMessage => ({ ...text('Hi'), quickReplies: replies });
const textReply = (i = 0): QuickReply => ({ type: 'text', title: `Reply ${i}`, payload: `R_${i}` });

const paths = (model: RichMessage) => validateRichMessage(model).map((v) => v.path);

interface Edge {
  rule: string;
  /** The largest (or otherwise edge) value that passes. */
  passes: RichMessage;
  /** One step over the edge. */
  fails: RichMessage;
  path: string;
  message: string;
}

const EDGES: Edge[] = [
  {
    rule: 'text message < 2000 characters',
    passes: text(chars(L.textMaxChars)),
    fails: text(chars(L.textMaxChars + 1)),
    path: 'text',
    message: 'text: 2000 characters, limit 1999',
  },
  { rule: 'text must not be blank', passes: text('a'), fails: text('  \n '), path: 'text', message: 'text: must not be empty' },
  {
    rule: 'button template text ≤ 640',
    passes: buttons([postback()], chars(640)),
    fails: buttons([postback()], chars(641)),
    path: 'text',
    message: 'buttons.text: 641 characters, limit 640',
  },
  {
    rule: 'at most 3 buttons',
    passes: buttons(repeat(3, postback)),
    fails: buttons(repeat(4, postback)),
    path: 'buttons[3]',
    message: 'buttons[3]: at most 3 buttons',
  },
  {
    rule: 'at least 1 button',
    passes: buttons(repeat(1, postback)),
    fails: buttons([]),
    path: 'buttons',
    message: 'buttons: at least 1 button',
  },
  {
    rule: 'button title ≤ 20',
    passes: buttons([postback(), { type: 'postback', title: chars(20), payload: 'P' }]),
    fails: buttons([postback(), { type: 'postback', title: chars(24), payload: 'P' }]),
    path: 'buttons[1].title',
    message: 'buttons[1].title: 24 characters, limit 20',
  },
  {
    rule: 'postback payload ≤ 1000',
    passes: buttons([{ type: 'postback', title: 'T', payload: chars(1000) }]),
    fails: buttons([{ type: 'postback', title: 'T', payload: chars(1001) }]),
    path: 'buttons[0].payload',
    message: 'buttons[0].payload: 1001 characters, limit 1000',
  },
  {
    rule: 'postback payload required',
    passes: buttons([{ type: 'postback', title: 'T', payload: 'P' }]),
    fails: buttons([{ type: 'postback', title: 'T', payload: '' }]),
    path: 'buttons[0].payload',
    message: 'buttons[0].payload: must not be empty',
  },
  {
    rule: 'url button needs an http(s) URL',
    passes: buttons([{ type: 'url', title: 'Site', url: 'http://example.com' }]),
    fails: buttons([{ type: 'url', title: 'Site', url: 'ftp://example.com' }]),
    path: 'buttons[0].url',
    message: 'buttons[0].url: must be an http(s) URL',
  },
  {
    rule: 'messengerExtensions needs HTTPS',
    passes: buttons([{ type: 'url', title: 'Site', url: 'https://example.com', messengerExtensions: true }]),
    fails: buttons([{ type: 'url', title: 'Site', url: 'http://example.com', messengerExtensions: true }]),
    path: 'buttons[0].url',
    message: 'buttons[0].url: must be an HTTPS URL when messengerExtensions is true',
  },
  {
    rule: 'fallbackUrl only with messengerExtensions',
    passes: buttons([
      { type: 'url', title: 'Site', url: 'https://example.com', messengerExtensions: true, fallbackUrl: 'https://example.com/f' },
    ]),
    fails: buttons([{ type: 'url', title: 'Site', url: 'https://example.com', fallbackUrl: 'https://example.com/f' }]),
    path: 'buttons[0].fallbackUrl',
    message: 'buttons[0].fallbackUrl: only allowed with messengerExtensions',
  },
  {
    rule: 'webviewHeightRatio is compact|tall|full',
    passes: buttons([{ type: 'url', title: 'Site', url: 'https://example.com', webviewHeightRatio: 'tall' }]),
    fails: buttons([{ type: 'url', title: 'Site', url: 'https://example.com', webviewHeightRatio: 'huge' as 'tall' }]),
    path: 'buttons[0].webviewHeightRatio',
    message: 'buttons[0].webviewHeightRatio: must be one of compact, tall, full',
  },
  {
    rule: 'call button phone matches ^\\+[0-9]+$',
    passes: buttons([{ type: 'call', title: 'Call', phoneNumber: '+16505551234' }]),
    fails: buttons([{ type: 'call', title: 'Call', phoneNumber: '+1 650 555 1234' }]),
    path: 'buttons[0].phoneNumber',
    message: 'buttons[0].phoneNumber: must match ^\\+[0-9]+$',
  },
  {
    rule: 'at most 10 cards',
    passes: carousel(repeat(10, () => card())),
    fails: carousel(repeat(11, () => card())),
    path: 'cards[10]',
    message: 'carousel.cards[10]: at most 10 cards',
  },
  { rule: 'at least 1 card', passes: carousel([card()]), fails: carousel([]), path: 'cards', message: 'carousel.cards: at least 1 card' },
  {
    rule: 'card title ≤ 80',
    passes: carousel([card(), card({ title: chars(80) })]),
    fails: carousel([card(), card({ title: chars(81) })]),
    path: 'cards[1].title',
    message: 'carousel.cards[1].title: 81 characters, limit 80',
  },
  {
    rule: 'card title required',
    passes: carousel([card({ title: 'T' })]),
    fails: carousel([{ subtitle: 'sub' } as CarouselCard]),
    path: 'cards[0].title',
    message: 'carousel.cards[0].title: is required',
  },
  {
    rule: 'card subtitle ≤ 80',
    passes: carousel([card({ subtitle: chars(80) })]),
    fails: carousel([card(), card(), card(), card({ subtitle: chars(81) })]),
    path: 'cards[3].subtitle',
    message: 'carousel.cards[3].subtitle: 81 characters, limit 80',
  },
  {
    rule: 'card needs a field besides the title',
    passes: carousel([{ title: 'T', imageUrl: 'https://example.com/i.png' }]),
    fails: carousel([{ title: 'T' }]),
    path: 'cards[0]',
    message: 'carousel.cards[0]: needs a subtitle, image, default action or buttons besides the title',
  },
  {
    rule: 'at most 3 buttons per card',
    passes: carousel([card({ buttons: repeat(3, postback) })]),
    fails: carousel([card({ buttons: repeat(4, postback) })]),
    path: 'cards[0].buttons[3]',
    message: 'carousel.cards[0].buttons[3]: at most 3 buttons',
  },
  {
    rule: 'card default action needs an http(s) URL',
    passes: carousel([card({ defaultAction: { url: 'https://example.com', webviewHeightRatio: 'compact' } })]),
    fails: carousel([card({ defaultAction: { url: 'example.com' } })]),
    path: 'cards[0].defaultAction.url',
    message: 'carousel.cards[0].defaultAction.url: must be an http(s) URL',
  },
  {
    rule: 'imageAspectRatio is horizontal|square',
    passes: { ...carousel([card()]), imageAspectRatio: 'square' },
    fails: { ...carousel([card()]), imageAspectRatio: 'round' as 'square' },
    path: 'imageAspectRatio',
    message: 'carousel.imageAspectRatio: must be one of horizontal, square',
  },
  {
    rule: 'at most 13 quick replies',
    passes: withQuickReplies(repeat(13, textReply)),
    fails: withQuickReplies(repeat(14, textReply)),
    path: 'quickReplies[13]',
    message: 'text.quickReplies[13]: at most 13 quick replies',
  },
  {
    rule: 'at least 1 quick reply',
    passes: withQuickReplies([textReply()]),
    fails: withQuickReplies([]),
    path: 'quickReplies',
    message: 'text.quickReplies: at least 1 quick reply',
  },
  {
    rule: 'quick reply title ≤ 20',
    passes: withQuickReplies([{ type: 'text', title: chars(20), payload: 'P' }]),
    fails: withQuickReplies([{ type: 'text', title: chars(21), payload: 'P' }]),
    path: 'quickReplies[0].title',
    message: 'text.quickReplies[0].title: 21 characters, limit 20',
  },
  {
    rule: 'quick reply title empty only with imageUrl',
    passes: withQuickReplies([{ type: 'text', title: '', payload: 'P', imageUrl: 'https://example.com/red.png' }]),
    fails: withQuickReplies([{ type: 'text', title: '', payload: 'P' }]),
    path: 'quickReplies[0].title',
    message: 'text.quickReplies[0].title: must not be empty (unless imageUrl is set)',
  },
  {
    rule: 'quick reply payload ≤ 1000',
    passes: withQuickReplies([{ type: 'text', title: 'T', payload: chars(1000) }]),
    fails: withQuickReplies([{ type: 'text', title: 'T', payload: chars(1001) }]),
    path: 'quickReplies[0].payload',
    message: 'text.quickReplies[0].payload: 1001 characters, limit 1000',
  },
  {
    rule: 'quick reply image needs an http(s) URL',
    passes: withQuickReplies([{ type: 'text', title: 'Red', payload: 'P', imageUrl: 'https://example.com/red.png' }]),
    fails: withQuickReplies([{ type: 'text', title: 'Red', payload: 'P', imageUrl: 'red.png' }]),
    path: 'quickReplies[0].imageUrl',
    message: 'text.quickReplies[0].imageUrl: must be an http(s) URL',
  },
  {
    rule: 'metadata < 1000',
    passes: { ...text('Hi'), metadata: chars(999) },
    fails: { ...text('Hi'), metadata: chars(1000) },
    path: 'metadata',
    message: 'text.metadata: 1000 characters, limit 999',
  },
  {
    rule: 'media url XOR attachmentId (both)',
    passes: media({ url: undefined, attachmentId: '1234' }),
    fails: media({ attachmentId: '1234' }),
    path: 'attachmentId',
    message: 'media.attachmentId: not allowed together with url',
  },
  {
    rule: 'media url XOR attachmentId (neither)',
    passes: media(),
    fails: media({ url: undefined }),
    path: 'url',
    message: 'media.url: url or attachmentId is required',
  },
  {
    rule: 'media url must be HTTPS',
    passes: media({ url: 'https://cdn.example.com/a.png' }),
    fails: media({ url: 'http://cdn.example.com/a.png' }),
    path: 'url',
    message: 'media.url: must be an HTTPS URL',
  },
  {
    rule: 'media buttons only for image/video',
    passes: media({ mediaType: 'video', url: undefined, attachmentId: '1', buttons: [postback()] }),
    fails: media({ mediaType: 'audio', url: undefined, attachmentId: '1', buttons: [postback()] }),
    path: 'buttons',
    message: 'media.buttons: only allowed for image or video',
  },
  {
    rule: 'media template ≤ 3 buttons',
    passes: media({ url: undefined, attachmentId: '1', buttons: repeat(3, postback) }),
    fails: media({ url: undefined, attachmentId: '1', buttons: repeat(4, postback) }),
    path: 'buttons[3]',
    message: 'media.buttons[3]: at most 3 buttons',
  },
  {
    rule: 'media template needs a Facebook URL or an attachment id',
    passes: media({ url: 'https://www.facebook.com/photo.php?fbid=1', buttons: [postback()] }),
    fails: media({ url: 'https://cdn.example.com/a.png', buttons: [postback()] }),
    path: 'url',
    message: 'media.url: media with buttons needs a Facebook-hosted URL or an attachmentId',
  },
  {
    rule: 'reusable only with url',
    passes: media({ reusable: true }),
    fails: media({ url: undefined, attachmentId: '1', reusable: true }),
    path: 'reusable',
    message: 'media.reusable: only allowed with url',
  },
  {
    rule: 'mediaType is image|audio|video|file',
    passes: media({ mediaType: 'file' }),
    fails: media({ mediaType: 'gif' as 'file' }),
    path: 'mediaType',
    message: 'media.mediaType: must be one of image, audio, video, file',
  },
];

describe(validateRichMessage.name, () => {
  describe.each(EDGES)('$rule', ({ passes, fails, path, message }) => {
    it('should accept the value at the edge', () => {
      expect(validateRichMessage(passes)).toEqual([]);
    });

    it('should reject one step over the edge with a located message', () => {
      const violations = validateRichMessage(fails);
      expect(violations).toContainEqual(expect.objectContaining({ path, message }));
    });
  });

  it("should count UTF-16 code units (the unit of Meta's own SDKs), not grapheme clusters", () => {
    // Arrange: 5 user-perceived characters that are 20 UTF-16 units, and 6 that are 24.
    const fits = '👍🏽'.repeat(5);
    const over = '👍🏽'.repeat(6);

    // Act / Assert
    expect(validateRichMessage(buttons([{ type: 'postback', title: fits, payload: 'P' }]))).toEqual([]);
    expect(validateRichMessage(buttons([{ type: 'postback', title: over, payload: 'P' }]))).toContainEqual(
      expect.objectContaining({ rule: 'maxLength' }),
    );
  });

  it('should report the offending value and rule', () => {
    expect(validateRichMessage(buttons(repeat(5, postback)))).toEqual([
      { path: 'buttons[3]', value: 5, rule: 'maxItems', message: 'buttons[3]: at most 3 buttons' },
    ]);
    expect(validateRichMessage(text(chars(2000)))[0]).toMatchObject({ rule: 'maxLength', value: chars(2000) });
  });

  it('should accept quick replies on every kind', () => {
    const quickReplies: QuickReply[] = [textReply(), { type: 'user_email' }, { type: 'user_phone_number' }];
    for (const model of [text('Hi'), buttons([postback()]), carousel([card()]), media()]) {
      expect(validateRichMessage({ ...model, quickReplies })).toEqual([]);
    }
  });

  it('should report every violation, not only the first', () => {
    const model = carousel([card({ title: chars(81), buttons: [{ type: 'call', title: chars(21), phoneNumber: '555' }] })]);
    expect(paths(model)).toEqual(['cards[0].title', 'cards[0].buttons[0].title', 'cards[0].buttons[0].phoneNumber']);
  });

  it('should reject wrong types, unknown discriminators and lone surrogates from untrusted JSON', () => {
    const untrusted = (value: unknown) => validateRichMessage(value as RichMessage);
    expect(untrusted(null)).toEqual([{ path: '', value: null, rule: 'type', message: 'message: must be an object' }]);
    expect(untrusted({ kind: 'sticker' })).toEqual([
      { path: 'kind', value: 'sticker', rule: 'enum', message: 'kind: must be one of text, buttons, carousel, media' },
    ]);
    expect(untrusted({ kind: 'text', text: 42 })).toMatchObject([{ path: 'text', rule: 'type' }]);
    expect(untrusted({ kind: 'text', text: 'broken \ud83d' })).toMatchObject([{ path: 'text', rule: 'encoding' }]);
    expect(untrusted({ kind: 'buttons', text: 'x', buttons: [{ type: 'share', title: 'S' }] })).toMatchObject([
      { path: 'buttons[0].type', rule: 'enum' },
    ]);
    expect(untrusted({ kind: 'buttons', text: 'x' })).toMatchObject([{ path: 'buttons', rule: 'required' }]);
    expect(untrusted({ kind: 'text', text: 'x', quickReplies: [{ type: 'location' }] })).toMatchObject([
      { path: 'quickReplies[0].type', rule: 'enum' },
    ]);
    expect(
      untrusted({ ...buttons([{ type: 'url', title: 'S', url: 'https://x.io', messengerExtensions: 'yes' } as unknown as RichButton]) }),
    ).toMatchObject([{ path: 'buttons[0].messengerExtensions', rule: 'type' }]);
  });
});

describe(assertValidRichMessage.name, () => {
  it('should return the model when it is valid', () => {
    const model = text('Hi');
    expect(assertValidRichMessage(model)).toBe(model);
  });

  it('should throw a RichMessageValidationError listing every violation', () => {
    const model = buttons([{ type: 'postback', title: chars(24), payload: '' }], chars(641));

    const act = () => assertValidRichMessage(model);

    expect(act).toThrow(RichMessageValidationError);
    try {
      act();
    } catch (error: unknown) {
      const e = error as RichMessageValidationError;
      expect(e.violations.map((v) => v.path)).toEqual(['text', 'buttons[0].title', 'buttons[0].payload']);
      expect(e.code).toBe('RICH_MESSAGE_INVALID');
      expect(e.message).toBe(
        'Invalid rich message (3 violations):\n' +
          '- buttons.text: 641 characters, limit 640\n' +
          '- buttons[0].title: 24 characters, limit 20\n' +
          '- buttons[0].payload: must not be empty',
      );
    }
  });
});

describe(formatViolationMessage.name, () => {
  it.each([
    ['carousel', 'cards[10]', 'carousel.cards[10]'],
    ['buttons', 'buttons[1].title', 'buttons[1].title'],
    ['text', 'text', 'text'],
    ['buttons', 'text', 'buttons.text'],
    ['media', 'url', 'media.url'],
    ['', 'kind', 'kind'],
  ])('should qualify %s path %s as %s', (kind, path, locator) => {
    expect(formatViolationMessage(kind, path, 'x')).toBe(`${locator}: x`);
  });
});
