/**
 * Property-based tests (fast-check) across the validator, the DTOs, the Messenger renderer, the
 * Graph API double's Send API check and degradation.
 *
 * Arbitraries:
 *
 * - `validRichMessageArb`: messages that satisfy every limit, with strings made of mixed
 *   graphemes (ASCII, combining marks, emoji with skin tones and ZWJ, flags, CJK) and lengths
 *   biased towards the limits.
 * - `degradableRichMessageArb`: valid atoms (URLs, payloads, phone numbers) but counts and
 *   lengths up to several times the limits: what `degradeRichMessage` must repair.
 */
import fc from 'fast-check';
import { validateSendApiRequest } from '@app/graph-double';
import { countCharacters } from './character-count.util';
import { ALL_RICH_CAPABILITIES, RICH_MESSAGE_LIMITS as L } from './rich-message.constant';
import { checkCapabilities, degradeRichMessage } from './rich-message.degrade';
import { parseRichMessage } from './rich-message.dto';
import {
  ButtonsMessage,
  CarouselCard,
  CarouselMessage,
  IMAGE_ASPECT_RATIOS,
  MediaMessage,
  MediaType,
  QuickReply,
  RichButton,
  RichMessage,
  RichMessageCapabilities,
  RichMessageCommon,
  TextMessage,
  WEBVIEW_HEIGHT_RATIOS,
} from './rich-message.types';
import { validateRichMessage } from './rich-message.validator';
import { MessengerRenderer } from './renderers/messenger.renderer';

// ---- arbitraries ---------------------------------------------------------------------------

/** Samples of tricky user-perceived characters (each is one grapheme). */
const TRICKY_GRAPHEMES = ['a', 'Z', '7', ' ', 'é', 'e\u0301', 'n\u0303\u0323', '👍🏽', '👨‍👩‍👧', '🇫🇷', '中', 'ß', '\u00a0x', '∑'];

const unitArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_GRAPHEMES) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);

/** Removes keys whose value is `undefined`, so optional fields are absent, as in the JSON form. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A non-blank string of `min..max` graphemes; lengths near `max` are frequent. Long strings cycle
 * through a short random pattern of units (cheap to generate and shrink); merges between units
 * (e.g. two regional indicators) can only lower the count, and the filter keeps the bounds exact.
 */
function textArb(min: number, max: number): fc.Arbitrary<string> {
  const lengthArb = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 8) }) },
    { weight: 1, arbitrary: fc.constant(max) },
    { weight: 1, arbitrary: fc.integer({ min, max }) },
  );
  return fc
    .tuple(lengthArb, fc.array(unitArb, { minLength: 1, maxLength: 12 }))
    .map(([n, pattern]) => Array.from({ length: n }, (_, i) => pattern[i % pattern.length]).join(''))
    .filter((s) => {
      const count = countCharacters(s);
      return s.trim() !== '' && count >= min && count <= max;
    });
}

const slugArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,7}$/);

function httpUrlArb(httpsOnly = false): fc.Arbitrary<string> {
  return fc
    .tuple(
      httpsOnly ? fc.constant('https') : fc.constantFrom('https', 'http'),
      fc.constantFrom('example.com', 'shop.example.org', 'cdn.x.io', 'localhost:8080'),
      fc.array(slugArb, { maxLength: 3 }),
    )
    .map(([scheme, host, path]) => `${scheme}://${host}/${path.join('/')}`);
}

const facebookUrlArb = fc.bigInt({ min: 1n, max: 10n ** 15n }).map((id) => `https://www.facebook.com/photo.php?fbid=${id}`);
const phoneArb = fc.stringMatching(/^\+[0-9]{1,15}$/);
const attachmentIdArb = fc.stringMatching(/^[0-9]{6,16}$/);

interface Sizes {
  title: number;
  text: number;
  buttonText: number;
  cardTitle: number;
  buttons: number;
  cardButtons: number;
  cards: number;
  quickReplies: number;
  mediaButtons: number;
}

const VALID: Sizes = {
  title: L.buttonTitleMaxChars,
  text: L.textMaxChars,
  buttonText: L.buttonTextMaxChars,
  cardTitle: L.cardTitleMaxChars,
  buttons: L.buttonsMax,
  cardButtons: L.cardButtonsMax,
  cards: L.cardsMax,
  quickReplies: L.quickRepliesMax,
  mediaButtons: L.mediaButtonsMax,
};

const OVERSIZED: Sizes = {
  title: 3 * L.buttonTitleMaxChars,
  text: 2 * L.textMaxChars + 300,
  buttonText: 3 * L.buttonTextMaxChars,
  cardTitle: 2 * L.cardTitleMaxChars,
  buttons: 16,
  cardButtons: 7,
  cards: 24,
  quickReplies: 17,
  mediaButtons: 6,
};

function buttonArb(size: Sizes): fc.Arbitrary<RichButton> {
  const title = textArb(1, size.title);
  return fc.oneof(
    fc
      .record({ title, payload: textArb(1, L.payloadMaxChars) })
      .map(({ title, payload }): RichButton => ({ type: 'postback', title, payload })),
    fc
      .record({
        title,
        webviewHeightRatio: fc.option(fc.constantFrom(...WEBVIEW_HEIGHT_RATIOS), { nil: undefined }),
        extensions: fc.constantFrom<'none' | 'false' | 'true' | 'true+fallback'>('none', 'false', 'true', 'true+fallback'),
        httpUrl: httpUrlArb(),
        httpsUrl: httpUrlArb(true),
        fallbackUrl: httpUrlArb(),
      })
      .map((r): RichButton => {
        const extensions = r.extensions.startsWith('true');
        return compact({
          type: 'url' as const,
          title: r.title,
          url: extensions ? r.httpsUrl : r.httpUrl,
          webviewHeightRatio: r.webviewHeightRatio,
          messengerExtensions: r.extensions === 'none' ? undefined : extensions,
          fallbackUrl: r.extensions === 'true+fallback' ? r.fallbackUrl : undefined,
        });
      }),
    fc.record({ title, phoneNumber: phoneArb }).map(({ title, phoneNumber }): RichButton => ({ type: 'call', title, phoneNumber })),
  );
}

function quickReplyArb(size: Sizes): fc.Arbitrary<QuickReply> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({
          title: textArb(1, size.title),
          payload: textArb(1, L.payloadMaxChars),
          imageUrl: fc.option(httpUrlArb(), { nil: undefined }),
          blankTitle: fc.boolean(),
        })
        .map((r): QuickReply =>
          compact({
            type: 'text' as const,
            title: r.imageUrl !== undefined && r.blankTitle ? '' : r.title,
            payload: r.payload,
            imageUrl: r.imageUrl,
          }),
        ),
    },
    { weight: 1, arbitrary: fc.constant<QuickReply>({ type: 'user_email' }) },
    { weight: 1, arbitrary: fc.constant<QuickReply>({ type: 'user_phone_number' }) },
  );
}

function commonArb(size: Sizes): fc.Arbitrary<RichMessageCommon> {
  return fc
    .record({
      quickReplies: fc.option(fc.array(quickReplyArb(size), { minLength: 1, maxLength: size.quickReplies }), { nil: undefined }),
      metadata: fc.option(fc.oneof(fc.constant(''), textArb(1, L.metadataMaxChars)), { nil: undefined }),
    })
    .map((r) => compact(r));
}

function textMessageArb(size: Sizes): fc.Arbitrary<TextMessage> {
  return fc.tuple(textArb(1, size.text), commonArb(size)).map(([text, common]) => ({ kind: 'text' as const, text, ...common }));
}

function buttonsMessageArb(size: Sizes): fc.Arbitrary<ButtonsMessage> {
  return fc
    .tuple(textArb(1, size.buttonText), fc.array(buttonArb(size), { minLength: 1, maxLength: size.buttons }), commonArb(size))
    .map(([text, buttons, common]) => ({ kind: 'buttons' as const, text, buttons, ...common }));
}

function cardArb(size: Sizes): fc.Arbitrary<CarouselCard> {
  return fc
    .record({
      title: textArb(1, size.cardTitle),
      subtitle: fc.option(textArb(1, size.cardTitle), { nil: undefined }),
      imageUrl: fc.option(httpUrlArb(), { nil: undefined }),
      defaultAction: fc.option(
        fc
          .record({ url: httpUrlArb(), webviewHeightRatio: fc.option(fc.constantFrom(...WEBVIEW_HEIGHT_RATIOS), { nil: undefined }) })
          .map((a) => compact(a)),
        { nil: undefined },
      ),
      buttons: fc.option(fc.array(buttonArb(size), { minLength: 1, maxLength: size.cardButtons }), { nil: undefined }),
      fallbackSubtitle: textArb(1, 20),
    })
    .map(({ fallbackSubtitle, ...card }) => {
      const hasMore =
        card.subtitle !== undefined || card.imageUrl !== undefined || card.defaultAction !== undefined || card.buttons !== undefined;
      return compact({ ...card, subtitle: hasMore ? card.subtitle : fallbackSubtitle });
    });
}

function carouselMessageArb(size: Sizes): fc.Arbitrary<CarouselMessage> {
  return fc
    .tuple(
      fc.array(cardArb(size), { minLength: 1, maxLength: size.cards }),
      fc.option(fc.constantFrom(...IMAGE_ASPECT_RATIOS), { nil: undefined }),
      commonArb(size),
    )
    .map(([cards, imageAspectRatio, common]) => compact({ kind: 'carousel' as const, cards, imageAspectRatio, ...common }));
}

/**
 * Media messages. With `strictTemplates`, buttons appear only on image/video backed by an
 * attachment id or a Facebook URL (valid media templates); otherwise anything goes.
 */
function mediaMessageArb(size: Sizes, strictTemplates: boolean): fc.Arbitrary<MediaMessage> {
  return fc
    .record({
      mediaType: fc.constantFrom<MediaType>('image', 'audio', 'video', 'file'),
      source: fc.constantFrom<'url' | 'facebookUrl' | 'attachmentId'>('url', 'facebookUrl', 'attachmentId'),
      url: httpUrlArb(true),
      facebookUrl: facebookUrlArb,
      attachmentId: attachmentIdArb,
      reusable: fc.option(fc.boolean(), { nil: undefined }),
      buttons: fc.option(fc.array(buttonArb(size), { minLength: 1, maxLength: size.mediaButtons }), { nil: undefined }),
      common: commonArb(size),
    })
    .map((r) => {
      const templatable = (r.mediaType === 'image' || r.mediaType === 'video') && r.source !== 'url';
      const buttons = strictTemplates && !templatable ? undefined : r.buttons;
      return compact({
        kind: 'media' as const,
        mediaType: r.mediaType,
        url: r.source === 'url' ? r.url : r.source === 'facebookUrl' ? r.facebookUrl : undefined,
        attachmentId: r.source === 'attachmentId' ? r.attachmentId : undefined,
        reusable: r.source === 'attachmentId' ? undefined : r.reusable,
        buttons,
        ...r.common,
      });
    });
}

const validRichMessageArb: fc.Arbitrary<RichMessage> = fc.oneof(
  textMessageArb(VALID),
  buttonsMessageArb(VALID),
  carouselMessageArb(VALID),
  mediaMessageArb(VALID, true),
);

const degradableRichMessageArb: fc.Arbitrary<RichMessage> = fc.oneof(
  textMessageArb(OVERSIZED),
  buttonsMessageArb(OVERSIZED),
  carouselMessageArb(OVERSIZED),
  mediaMessageArb(OVERSIZED, false),
);

const capabilitiesArb: fc.Arbitrary<RichMessageCapabilities> = fc.record({
  buttons: fc.boolean(),
  carousel: fc.boolean(),
  quickReplies: fc.boolean(),
  media: fc.boolean(),
});

// ---- properties ----------------------------------------------------------------------------

const NUM_RUNS = 200;
const renderer = new MessengerRenderer();

function sendApiVerdict(message: RichMessage): ReturnType<typeof validateSendApiRequest> {
  return validateSendApiRequest({ recipient: { id: '1' }, messaging_type: 'RESPONSE', message: renderer.render(message) });
}

// ---- mutations that break exactly one limit --------------------------------------------------

interface Mutation {
  name: string;
  /** False when the renderer (which expects valid input) cannot carry the fault to the wire. */
  reachesTheWire?: false;
  applies(model: RichMessage): boolean;
  /** Mutates the copy in place and returns the path of the broken field. */
  apply(model: RichMessage, pick: number, extra: number): string;
}

/** `n` graphemes mixing ASCII and multi-code-point clusters. */
function over(limit: number, extra: number): string {
  const units = ['x', '👍🏽', 'e\u0301', '👨‍👩‍👧'];
  return Array.from({ length: limit + extra }, (_, i) => units[(i + extra) % units.length]).join('');
}

function buttonsOf(model: RichMessage): RichButton[] {
  if (model.kind === 'buttons' || model.kind === 'media') return model.buttons ?? [];
  if (model.kind === 'carousel') return model.cards.flatMap((c) => c.buttons ?? []);
  return [];
}

function buttonPath(model: RichMessage, index: number): string {
  if (model.kind !== 'carousel') return `buttons[${index}]`;
  let seen = 0;
  for (const [c, card] of model.cards.entries()) {
    const count = card.buttons?.length ?? 0;
    if (index < seen + count) return `cards[${c}].buttons[${index - seen}]`;
    seen += count;
  }
  throw new Error('button index out of range');
}

function mutateButton(type: RichButton['type'], mutate: (button: RichButton) => string): Mutation['apply'] {
  return (model, pick) => {
    const candidates = buttonsOf(model)
      .map((button, index) => ({ button, index }))
      .filter((b) => b.button.type === type);
    const chosen = candidates[pick % candidates.length];
    return `${buttonPath(model, chosen.index)}.${mutate(chosen.button)}`;
  };
}

const hasButton = (type: RichButton['type']) => (model: RichMessage) => buttonsOf(model).some((b) => b.type === type);

const MUTATIONS: Mutation[] = [
  {
    name: 'text too long',
    applies: (m) => m.kind === 'text',
    apply: (m, _p, extra) => {
      if (m.kind === 'text') m.text = over(L.textMaxChars, extra);
      return 'text';
    },
  },
  {
    name: 'button template text too long',
    applies: (m) => m.kind === 'buttons',
    apply: (m, _p, extra) => {
      if (m.kind === 'buttons') m.text = over(L.buttonTextMaxChars, extra);
      return 'text';
    },
  },
  {
    name: 'too many buttons',
    applies: (m) => m.kind === 'buttons',
    apply: (m, _p, extra) => {
      if (m.kind === 'buttons')
        while (m.buttons.length <= L.buttonsMax + (extra % 3)) m.buttons.push({ type: 'postback', title: 'More', payload: 'MORE' });
      return `buttons[${L.buttonsMax}]`;
    },
  },
  {
    name: 'button title too long',
    applies: (m) => buttonsOf(m).length > 0,
    apply: (m, pick, extra) => {
      const buttons = buttonsOf(m);
      const index = pick % buttons.length;
      buttons[index].title = over(L.buttonTitleMaxChars, extra);
      return `${buttonPath(m, index)}.title`;
    },
  },
  {
    name: 'postback payload too long',
    applies: hasButton('postback'),
    apply: (m, pick, extra) =>
      mutateButton('postback', (b) => {
        if (b.type === 'postback') b.payload = over(L.payloadMaxChars, extra);
        return 'payload';
      })(m, pick, extra),
  },
  {
    name: 'url button with a bad URL',
    applies: hasButton('url'),
    apply: mutateButton('url', (b) => {
      if (b.type === 'url') b.url = 'not a url';
      return 'url';
    }),
  },
  {
    name: 'fallbackUrl without messengerExtensions',
    applies: hasButton('url'),
    apply: mutateButton('url', (b) => {
      if (b.type === 'url') {
        b.messengerExtensions = false;
        b.fallbackUrl = 'https://example.com/fallback';
      }
      return 'fallbackUrl';
    }),
  },
  {
    name: 'call button with a bad number',
    applies: hasButton('call'),
    apply: mutateButton('call', (b) => {
      if (b.type === 'call') b.phoneNumber = '650-555-1234';
      return 'phoneNumber';
    }),
  },
  {
    name: 'too many cards',
    applies: (m) => m.kind === 'carousel',
    apply: (m, _p, extra) => {
      if (m.kind === 'carousel') while (m.cards.length <= L.cardsMax + (extra % 4)) m.cards.push({ title: 'More', subtitle: 'more' });
      return `cards[${L.cardsMax}]`;
    },
  },
  {
    name: 'card title too long',
    applies: (m) => m.kind === 'carousel',
    apply: (m, pick, extra) => {
      if (m.kind !== 'carousel') return '';
      const index = pick % m.cards.length;
      m.cards[index].title = over(L.cardTitleMaxChars, extra);
      return `cards[${index}].title`;
    },
  },
  {
    name: 'card subtitle too long',
    applies: (m) => m.kind === 'carousel',
    apply: (m, pick, extra) => {
      if (m.kind !== 'carousel') return '';
      const index = pick % m.cards.length;
      m.cards[index].subtitle = over(L.cardSubtitleMaxChars, extra);
      return `cards[${index}].subtitle`;
    },
  },
  {
    name: 'card with only a title',
    applies: (m) => m.kind === 'carousel',
    apply: (m, pick) => {
      if (m.kind !== 'carousel') return '';
      const index = pick % m.cards.length;
      m.cards[index] = { title: m.cards[index].title };
      return `cards[${index}]`;
    },
  },
  {
    name: 'too many card buttons',
    applies: (m) => m.kind === 'carousel',
    apply: (m, pick) => {
      if (m.kind !== 'carousel') return '';
      const index = pick % m.cards.length;
      const card = m.cards[index];
      card.buttons = [
        ...(card.buttons ?? []),
        ...Array.from({ length: 4 }, () => ({ type: 'postback' as const, title: 'More', payload: 'MORE' })),
      ];
      return `cards[${index}].buttons[${L.cardButtonsMax}]`;
    },
  },
  {
    name: 'media with both url and attachmentId',
    reachesTheWire: false,
    applies: (m) => m.kind === 'media',
    apply: (m) => {
      if (m.kind === 'media') {
        m.url = 'https://www.facebook.com/photo.php?fbid=1';
        m.attachmentId = '123456';
      }
      return 'attachmentId';
    },
  },
  {
    name: 'media without a source',
    applies: (m) => m.kind === 'media',
    apply: (m) => {
      if (m.kind === 'media') {
        delete m.url;
        delete m.attachmentId;
        delete m.reusable;
      }
      return 'url';
    },
  },
  {
    name: 'too many quick replies',
    applies: () => true,
    apply: (m, _p, extra) => {
      const replies = m.quickReplies ?? [];
      while (replies.length <= L.quickRepliesMax + (extra % 3)) replies.push({ type: 'text', title: 'More', payload: 'MORE' });
      m.quickReplies = replies;
      return `quickReplies[${L.quickRepliesMax}]`;
    },
  },
  {
    name: 'quick reply title too long',
    applies: (m) => (m.quickReplies ?? []).some((q) => q.type === 'text'),
    apply: (m, pick, extra) => {
      const texts = (m.quickReplies ?? []).flatMap((q, index) => (q.type === 'text' ? [{ q, index }] : []));
      const chosen = texts[pick % texts.length];
      chosen.q.title = over(L.quickReplyTitleMaxChars, extra);
      return `quickReplies[${chosen.index}].title`;
    },
  },
  {
    name: 'metadata too long',
    applies: () => true,
    apply: (m, _p, extra) => {
      m.metadata = over(L.metadataMaxChars, extra);
      return 'metadata';
    },
  },
];

describe('rich message properties', () => {
  it('should validate, parse, keep and render every valid model into a body the Send API double accepts', () => {
    fc.assert(
      fc.property(validRichMessageArb, (model) => {
        expect(validateRichMessage(model)).toEqual([]);
        expect(parseRichMessage(JSON.parse(JSON.stringify(model)))).toEqual(model);
        expect(degradeRichMessage(model, ALL_RICH_CAPABILITIES)).toEqual([model]);
        expect(sendApiVerdict(model)).toEqual({ ok: true });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('should report the mutated field when a valid model is pushed over one limit', () => {
    const mutatedArb = fc
      .tuple(validRichMessageArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 40 }))
      .map(([model, which, pick, extra]) => {
        const copy = structuredClone(model);
        const applicable = MUTATIONS.filter((m) => m.applies(copy));
        const mutation = applicable[which % applicable.length];
        return { mutation, path: mutation.apply(copy, pick, extra), model: copy };
      });
    fc.assert(
      fc.property(mutatedArb, ({ mutation, path, model }) => {
        const paths = validateRichMessage(model).map((v) => v.path);
        expect(paths).toContain(path);
        if (mutation.reachesTheWire !== false) expect(sendApiVerdict(model)).toMatchObject({ ok: false, code: 100 });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('should degrade any repairable model into valid messages the channel can show', () => {
    fc.assert(
      fc.property(degradableRichMessageArb, capabilitiesArb, (model, capabilities) => {
        const result = degradeRichMessage(model, capabilities);
        expect(result.length).toBeGreaterThan(0);
        for (const message of result) {
          expect(validateRichMessage(message)).toEqual([]);
          expect(checkCapabilities(message, capabilities)).toEqual([]);
          expect(sendApiVerdict(message)).toEqual({ ok: true });
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
