import { countCharacters } from './character-count.util';
import { listChoiceOptions, matchTypedChoice } from './choice.util';
import { ALL_RICH_CAPABILITIES, TEXT_ONLY_CAPABILITIES } from './rich-message.constant';
import { RichMessage } from './rich-message.builder';
import { checkCapabilities, degradeRichMessage, prepareRichMessage } from './rich-message.degrade';
import { RichMessageValidationError } from './rich-message-validation.error';
import { CarouselMessage, RichMessageCapabilities, TextMessage } from './rich-message.types';
import { validateRichMessage } from './rich-message.validator';

const ALL = ALL_RICH_CAPABILITIES;
const TEXT = TEXT_ONLY_CAPABILITIES;
const NO_QUICK_REPLIES: RichMessageCapabilities = { ...ALL, quickReplies: false };

function expectAllValid(messages: RichMessage[]): void {
  for (const message of messages) expect(validateRichMessage(message)).toEqual([]);
}

describe(degradeRichMessage.name, () => {
  it('should return a valid, supported message unchanged', () => {
    const model = RichMessage.buttons('Pick').postback('A', 'A').quickReply('Later', 'LATER').metadata('m').build();
    expect(degradeRichMessage(model, ALL)).toEqual([model]);
  });

  describe('buttons', () => {
    it('should turn more than 3 postback buttons into quick replies', () => {
      const model = RichMessage.buttons('Pick a size')
        .postback('XS', 'XS')
        .postback('S', 'S')
        .postback('M', 'M')
        .postback('L', 'L')
        .metadata('m-1')
        .build();

      expect(degradeRichMessage(model, ALL)).toEqual([
        {
          kind: 'text',
          text: 'Pick a size',
          quickReplies: ['XS', 'S', 'M', 'L'].map((s) => ({ type: 'text', title: s, payload: s })),
          metadata: 'm-1',
        },
      ]);
    });

    it('should write a numbered list when a button is not a postback', () => {
      const model = RichMessage.buttons('Pick one')
        .postback('Track order', 'TRACK')
        .url('Site', 'https://x.example')
        .call('Call us', '+16505551234')
        .postback('Cancel', 'CANCEL')
        .build();

      expect(degradeRichMessage(model, ALL)).toEqual([
        { kind: 'text', text: 'Pick one\n\n1. Track order\nSite: https://x.example\nCall us: +16505551234\n2. Cancel' },
      ]);
    });

    it('should write a numbered list for more than 13 postbacks', () => {
      const builder = RichMessage.buttons('Pick');
      for (let i = 1; i <= 14; i++) builder.postback(`Item ${i}`, `I${i}`);

      const [result] = degradeRichMessage(builder.build(), ALL) as TextMessage[];

      expect(result.quickReplies).toBeUndefined();
      expect(result.text.split('\n').slice(-2)).toEqual(['13. Item 13', '14. Item 14']);
    });

    it('should use quick replies for postbacks when the channel has no buttons', () => {
      const model = RichMessage.buttons('Pick').postback('A', 'A').build();
      expect(degradeRichMessage(model, { ...ALL, buttons: false })).toEqual([
        { kind: 'text', text: 'Pick', quickReplies: [{ type: 'text', title: 'A', payload: 'A' }] },
      ]);
    });

    it('should truncate over-long button titles with an ellipsis', () => {
      const model = RichMessage.buttons('Pick')
        .postback('Abcdefghijklmnopqrstuvwxyz', 'A')
        .url('👍🏽'.repeat(25), 'https://x.example')
        .build();

      const [result] = degradeRichMessage(model, ALL);

      expect(result).toEqual({
        kind: 'buttons',
        text: 'Pick',
        buttons: [
          { type: 'postback', title: 'Abcdefghijklmnopqrs…', payload: 'A' },
          { type: 'url', title: `${'👍🏽'.repeat(4)}…`, url: 'https://x.example' }, // 4 × 4 UTF-16 units + the ellipsis
        ],
      });
    });

    it('should move button text over 640 characters into leading text messages', () => {
      const text = `${'a'.repeat(600)} ${'b'.repeat(100)}`;
      const model = RichMessage.buttons(text).postback('OK', 'OK').build();

      expect(degradeRichMessage(model, ALL)).toEqual([
        { kind: 'text', text: 'a'.repeat(600) },
        { kind: 'buttons', text: 'b'.repeat(100), buttons: [{ type: 'postback', title: 'OK', payload: 'OK' }] },
      ]);
    });
  });

  describe('carousel', () => {
    const carousel = (cards: number): CarouselMessage => {
      const builder = RichMessage.carousel().imageAspectRatio('square');
      for (let i = 0; i < cards; i++) builder.card((c) => c.title(`Card ${i}`).subtitle('sub'));
      return builder.quickReply('Done', 'DONE').build();
    };

    it('should split more than 10 cards into several carousels in order', () => {
      const result = degradeRichMessage(carousel(25), ALL) as CarouselMessage[];

      expect(result.map((r) => r.cards.length)).toEqual([10, 10, 5]);
      expect(result.flatMap((r) => r.cards.map((c) => c.title))).toEqual(Array.from({ length: 25 }, (_, i) => `Card ${i}`));
      expect(result.map((r) => r.imageAspectRatio)).toEqual(['square', 'square', 'square']);
      expect(result.map((r) => r.quickReplies !== undefined)).toEqual([false, false, true]);
    });

    it('should repeat a card that has more than 3 buttons', () => {
      const model = RichMessage.carousel()
        .card((c) =>
          c.title('Shirt').image('https://img.example/s.png').postback('XS', 'XS').postback('S', 'S').postback('M', 'M').postback('L', 'L'),
        )
        .build();

      const [result] = degradeRichMessage(model, ALL) as CarouselMessage[];

      expect(result.cards).toEqual([
        {
          title: 'Shirt',
          imageUrl: 'https://img.example/s.png',
          buttons: ['XS', 'S', 'M'].map((s) => ({ type: 'postback', title: s, payload: s })),
        },
        { title: 'Shirt', imageUrl: 'https://img.example/s.png', buttons: [{ type: 'postback', title: 'L', payload: 'L' }] },
      ]);
    });

    it('should truncate card titles and subtitles to 80 characters', () => {
      const model = RichMessage.carousel()
        .card((c) => c.title('T'.repeat(100)).subtitle('s'.repeat(81)))
        .build();

      const [result] = degradeRichMessage(model, ALL) as CarouselMessage[];

      expect(result.cards[0]).toEqual({ title: `${'T'.repeat(79)}…`, subtitle: `${'s'.repeat(79)}…` });
    });
  });

  describe('quick replies', () => {
    it('should write more than 13 quick replies as a numbered list after the text', () => {
      const builder = RichMessage.text('Pick a number');
      for (let i = 1; i <= 14; i++) builder.quickReply(`N${i}`, `N${i}`);

      const result = degradeRichMessage(builder.build(), ALL);

      expect(result).toEqual([
        { kind: 'text', text: `Pick a number\n\n${Array.from({ length: 14 }, (_, i) => `${i + 1}. N${i + 1}`).join('\n')}` },
      ]);
    });

    it('should number text-ified quick replies after the button choices', () => {
      const model = RichMessage.buttons('Pick').postback('A', 'A').url('Site', 'https://x.example').quickReply('Later', 'LATER').build();

      const result = degradeRichMessage(model, NO_QUICK_REPLIES);

      expect(result).toEqual([
        { kind: 'buttons', text: 'Pick', buttons: model.buttons },
        { kind: 'text', text: '2. Later' },
      ]);
      expect(matchTypedChoice('2', listChoiceOptions(model))).toMatchObject({ payload: 'LATER' });
    });

    it('should truncate over-long quick reply titles', () => {
      const model = RichMessage.text('Hi').quickReply('A very long quick reply title', 'P').build();
      expect(degradeRichMessage(model, ALL)).toEqual([
        { kind: 'text', text: 'Hi', quickReplies: [{ type: 'text', title: 'A very long quick r…', payload: 'P' }] },
      ]);
    });
  });

  describe('text', () => {
    it('should split a text over 1999 characters into several messages, quick replies on the last', () => {
      const words = Array.from({ length: 900 }, (_, i) => `w${i}`).join(' ');
      const model = RichMessage.text(words).quickReply('OK', 'OK').metadata('m').build();

      const result = degradeRichMessage(model, ALL) as TextMessage[];

      expect(result.length).toBeGreaterThan(1);
      expect(result.every((r) => countCharacters(r.text) <= 1999 && r.metadata === 'm')).toBe(true);
      expect(result.map((r) => r.text).join(' ')).toBe(words);
      expect(result.map((r) => r.quickReplies !== undefined)).toEqual([...result.slice(1).map(() => false), true]);
    });
  });

  describe('media', () => {
    it('should send audio with buttons as the clip, then quick replies for postbacks', () => {
      const model = {
        ...RichMessage.media('audio').url('https://cdn.example/a.mp3').build(),
        buttons: [{ type: 'postback' as const, title: 'Again', payload: 'AGAIN' }],
      };

      expect(degradeRichMessage(model, ALL)).toEqual([
        {
          kind: 'media',
          mediaType: 'audio',
          url: 'https://cdn.example/a.mp3',
          quickReplies: [{ type: 'text', title: 'Again', payload: 'AGAIN' }],
        },
      ]);
    });

    it('should send an external image with buttons as the image, then a numbered list', () => {
      const model = RichMessage.media('image')
        .url('https://cdn.example/a.png')
        .postback('Buy', 'BUY')
        .urlButton('Shop', 'https://shop.example')
        .build();

      expect(degradeRichMessage(model, ALL)).toEqual([
        { kind: 'media', mediaType: 'image', url: 'https://cdn.example/a.png' },
        { kind: 'text', text: '1. Buy\nShop: https://shop.example' },
      ]);
    });

    it('should keep a media template backed by an attachment id', () => {
      const model = RichMessage.media('video').attachmentId('42').postback('Buy', 'BUY').build();
      expect(degradeRichMessage(model, ALL)).toEqual([model]);
    });
  });

  describe('text-only channels', () => {
    it('should render a buttons message with quick replies as one numbered text', () => {
      const model = RichMessage.buttons('Pick one')
        .postback('Track order', 'TRACK')
        .url('Site', 'https://x.example')
        .call('Call us', '+16505551234')
        .quickReply('Cancel', 'CANCEL')
        .build();

      expect(degradeRichMessage(model, TEXT)).toEqual([
        { kind: 'text', text: 'Pick one\n\n1. Track order\nSite: https://x.example\nCall us: +16505551234\n\n2. Cancel' },
      ]);
    });

    it('should render a carousel as text blocks', () => {
      const model = RichMessage.carousel()
        .card((c) => c.title('Blue').subtitle('$20').postback('Buy', 'BUY_B'))
        .card((c) => c.title('Red').image('https://img.example/r.png').postback('Buy', 'BUY_R'))
        .build();

      expect(degradeRichMessage(model, TEXT)).toEqual([{ kind: 'text', text: 'Blue\n$20\n1. Buy\n\nRed\n2. Buy' }]);
    });

    it('should write media out as a link', () => {
      expect(degradeRichMessage(RichMessage.media('file').url('https://cdn.example/invoice.pdf').build(), TEXT)).toEqual([
        { kind: 'text', text: 'File: https://cdn.example/invoice.pdf' },
      ]);
    });
  });

  it('should throw for problems it cannot repair', () => {
    const model = RichMessage.buttons('Pick').url('Site', 'not a url').postback('A', 'x'.repeat(1001)).build();

    expect(() => degradeRichMessage(model, ALL)).toThrow(RichMessageValidationError);
    try {
      degradeRichMessage(model, ALL);
    } catch (error: unknown) {
      expect((error as RichMessageValidationError).violations.map((v) => v.path)).toEqual(['buttons[0].url', 'buttons[1].payload']);
    }
  });

  it('should always produce valid messages for a mixed over-limit carousel on every channel profile', () => {
    const builder = RichMessage.carousel();
    for (let i = 0; i < 12; i++)
      builder.card((c) =>
        c
          .title(`Card ${i} ${'x'.repeat(90)}`)
          .postback('A', 'A')
          .postback('B', 'B')
          .postback('C', 'C')
          .postback('D', 'D'),
      );
    const model = builder.quickReplyUserEmail().build();

    for (const caps of [ALL, TEXT, NO_QUICK_REPLIES, { ...ALL, carousel: false }]) {
      const result = degradeRichMessage(model, caps);
      expectAllValid(result);
      result.forEach((m) => expect(checkCapabilities(m, caps)).toEqual([]));
    }
  });
});

describe(prepareRichMessage.name, () => {
  const model = RichMessage.buttons('Pick').postback('A', 'A').quickReply('Later', 'LATER').build();

  it('should return the model in strict mode when it is valid and supported', () => {
    expect(prepareRichMessage(model, { mode: 'strict' })).toEqual([model]);
  });

  it('should reject unsupported features in strict mode', () => {
    expect(() => prepareRichMessage(model, { mode: 'strict', capabilities: TEXT })).toThrow(
      'Invalid rich message (2 violations):\n- buttons: buttons not supported by the channel\n- buttons.quickReplies: quick replies not supported by the channel',
    );
  });

  it('should reject limit violations in strict mode', () => {
    const tooMany = RichMessage.buttons('Pick').postback('1', '1').postback('2', '2').postback('3', '3').postback('4', '4').build();
    expect(() => prepareRichMessage(tooMany, { mode: 'strict' })).toThrow('buttons[3]: at most 3 buttons');
  });

  it('should degrade in degrade mode', () => {
    expect(prepareRichMessage(model, { mode: 'degrade', capabilities: TEXT })).toEqual([
      { kind: 'text', text: 'Pick\n\n1. A\n\n2. Later' },
    ]);
  });
});
