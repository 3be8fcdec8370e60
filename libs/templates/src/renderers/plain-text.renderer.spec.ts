import { RichMessage } from '../rich-message.builder';
import { PlainTextRenderer } from './plain-text.renderer';

describe(PlainTextRenderer.name, () => {
  const renderer = new PlainTextRenderer();

  describe('render', () => {
    it('should render text with numbered quick replies and hints for e-mail/phone chips', () => {
      const model = RichMessage.text('Did that help?')
        .quickReply('Yes', 'YES')
        .quickReply('', 'RED', 'https://x.example/red.png')
        .quickReplyUserEmail()
        .build();

      expect(renderer.render(model)).toBe('Did that help?\n\n1. Yes\n2. Option 2\nOr reply with your email address');
    });

    it('should number only choices and write links and phone numbers out', () => {
      const model = RichMessage.buttons('Pick one')
        .postback('Track order', 'TRACK')
        .url('Site', 'https://x.example')
        .call('Call us', '+16505551234')
        .quickReply('Cancel', 'CANCEL')
        .build();

      expect(renderer.render(model)).toBe('Pick one\n\n1. Track order\nSite: https://x.example\nCall us: +16505551234\n\n2. Cancel');
    });

    it('should render cards as blocks and keep numbering across cards', () => {
      const model = RichMessage.carousel()
        .card((c) => c.title('Blue shirt').subtitle('$20').image('https://img.example/b.png').postback('Buy', 'BUY_B'))
        .card((c) =>
          c.title('Red shirt').defaultAction('https://shop.example/red').postback('Buy', 'BUY_R').url('Details', 'https://shop.example/r'),
        )
        .build();

      expect(renderer.render(model)).toBe(
        'Blue shirt\n$20\n1. Buy\n\nRed shirt\nhttps://shop.example/red\n2. Buy\nDetails: https://shop.example/r',
      );
    });

    it('should render media as a link, or a placeholder for an uploaded attachment', () => {
      expect(renderer.render(RichMessage.media('image').url('https://cdn.example/a.png').build())).toBe('Image: https://cdn.example/a.png');
      expect(renderer.render(RichMessage.media('video').attachmentId('42').postback('Like', 'LIKE').build())).toBe('[Video]\n\n1. Like');
    });
  });
});
