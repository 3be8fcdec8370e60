import { RichMessage, postbackButton } from './rich-message.builder';
import { validateRichMessage } from './rich-message.validator';

describe('RichMessage builder', () => {
  it('should build a text message with quick replies', () => {
    expect(RichMessage.text('Hi').quickReply('Yes', 'YES').build()).toStrictEqual({
      kind: 'text',
      text: 'Hi',
      quickReplies: [{ type: 'text', title: 'Yes', payload: 'YES' }],
    });
  });

  it('should build a buttons message in call order', () => {
    const model = RichMessage.buttons('Pick one')
      .postback('Track order', 'TRACK')
      .url('Site', 'https://x')
      .call('Call us', '+16505551234')
      .build();

    expect(model).toStrictEqual({
      kind: 'buttons',
      text: 'Pick one',
      buttons: [
        { type: 'postback', title: 'Track order', payload: 'TRACK' },
        { type: 'url', title: 'Site', url: 'https://x' },
        { type: 'call', title: 'Call us', phoneNumber: '+16505551234' },
      ],
    });
    expect(validateRichMessage(model)).toEqual([]);
  });

  it('should build a carousel from card callbacks and card models', () => {
    const model = RichMessage.carousel()
      .card((c) => c.title('A').subtitle('b').image('https://img.example/a.png').postback('Buy', 'BUY_A'))
      .card({ title: 'B', subtitle: 'c' })
      .imageAspectRatio('square')
      .build();

    expect(model).toStrictEqual({
      kind: 'carousel',
      cards: [
        {
          title: 'A',
          subtitle: 'b',
          imageUrl: 'https://img.example/a.png',
          buttons: [{ type: 'postback', title: 'Buy', payload: 'BUY_A' }],
        },
        { title: 'B', subtitle: 'c' },
      ],
      imageAspectRatio: 'square',
    });
  });

  it('should build media by URL or attachment id, the last source winning', () => {
    expect(RichMessage.media('image').url('https://cdn.example/a.png').build()).toStrictEqual({
      kind: 'media',
      mediaType: 'image',
      url: 'https://cdn.example/a.png',
    });
    expect(RichMessage.media('file').url('https://cdn.example/a.pdf').attachmentId('99').metadata('m').build()).toStrictEqual({
      kind: 'media',
      mediaType: 'file',
      attachmentId: '99',
      metadata: 'm',
    });
  });

  it('should offer button methods on image and video media only', () => {
    const model = RichMessage.media('image').attachmentId('1').postback('Like', 'LIKE').button(postbackButton('Share', 'SHARE')).build();
    expect(model.buttons).toHaveLength(2);

    // @ts-expect-error audio cannot carry buttons (Messenger media templates are image/video only)
    expect(() => RichMessage.media('audio').attachmentId('1').postback('Like', 'LIKE')).not.toThrow();
  });

  it('should return an independent copy on every build', () => {
    const builder = RichMessage.buttons('Pick').postback('A', 'A');
    const first = builder.build();
    first.buttons[0].title = 'changed';

    builder.postback('B', 'B');

    expect(builder.build().buttons.map((b) => b.title)).toEqual(['A', 'B']);
    expect(first.buttons).toHaveLength(1);
  });

  it('should not validate, so over-limit messages can be built for degradation', () => {
    const model = RichMessage.buttons('Pick').postback('1', '1').postback('2', '2').postback('3', '3').postback('4', '4').build();
    expect(validateRichMessage(model).map((v) => v.path)).toEqual(['buttons[3]']);
  });
});
