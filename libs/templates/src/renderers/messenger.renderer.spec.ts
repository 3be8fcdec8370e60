import { RichMessage } from '../rich-message.builder';
import { MessengerRenderer } from './messenger.renderer';

describe(MessengerRenderer.name, () => {
  const renderer = new MessengerRenderer();

  describe('render', () => {
    it('should render a text message with quick replies and metadata', () => {
      const model = RichMessage.text('Did that help?')
        .quickReply('Yes', 'YES')
        .quickReply('', 'RED', 'https://example.com/red.png')
        .quickReplyUserEmail()
        .quickReplyUserPhoneNumber()
        .metadata('crm:msg:1')
        .build();

      expect(renderer.render(model)).toStrictEqual({
        text: 'Did that help?',
        quick_replies: [
          { content_type: 'text', title: 'Yes', payload: 'YES' },
          { content_type: 'text', title: '', payload: 'RED', image_url: 'https://example.com/red.png' },
          { content_type: 'user_email' },
          { content_type: 'user_phone_number' },
        ],
        metadata: 'crm:msg:1',
      });
    });

    it('should render a plain text message without optional keys', () => {
      expect(renderer.render(RichMessage.text('Hi').build())).toStrictEqual({ text: 'Hi' });
    });

    it('should render a button template with every button type', () => {
      const model = RichMessage.buttons('Pick one')
        .postback('Track order', 'TRACK')
        .url('Site', 'https://x.example', {
          webviewHeightRatio: 'tall',
          messengerExtensions: true,
          fallbackUrl: 'https://x.example/fallback',
        })
        .call('Call us', '+16505551234')
        .build();

      expect(renderer.render(model)).toStrictEqual({
        attachment: {
          type: 'template',
          payload: {
            template_type: 'button',
            text: 'Pick one',
            buttons: [
              { type: 'postback', title: 'Track order', payload: 'TRACK' },
              {
                type: 'web_url',
                title: 'Site',
                url: 'https://x.example',
                webview_height_ratio: 'tall',
                messenger_extensions: true,
                fallback_url: 'https://x.example/fallback',
              },
              { type: 'phone_number', title: 'Call us', payload: '+16505551234' },
            ],
          },
        },
      });
    });

    it('should render a minimal URL button with only type, title and url', () => {
      const model = RichMessage.buttons('Read').url('Docs', 'http://docs.example').quickReply('Later', 'LATER').build();

      expect(renderer.render(model)).toStrictEqual({
        attachment: {
          type: 'template',
          payload: { template_type: 'button', text: 'Read', buttons: [{ type: 'web_url', title: 'Docs', url: 'http://docs.example' }] },
        },
        quick_replies: [{ content_type: 'text', title: 'Later', payload: 'LATER' }],
      });
    });

    it('should render a carousel as a generic template', () => {
      const model = RichMessage.carousel()
        .imageAspectRatio('square')
        .card((c) =>
          c
            .title('A')
            .subtitle('b')
            .image('https://img.example/a.png')
            .defaultAction('https://shop.example/a', 'compact')
            .postback('Buy', 'BUY_A')
            .url('More', 'https://shop.example/a/more'),
        )
        .card((c) => c.title('B').image('https://img.example/b.png'))
        .card({ title: 'C', defaultAction: { url: 'https://shop.example/c' } })
        .metadata('m-2')
        .build();

      expect(renderer.render(model)).toStrictEqual({
        attachment: {
          type: 'template',
          payload: {
            template_type: 'generic',
            image_aspect_ratio: 'square',
            elements: [
              {
                title: 'A',
                subtitle: 'b',
                image_url: 'https://img.example/a.png',
                default_action: { type: 'web_url', url: 'https://shop.example/a', webview_height_ratio: 'compact' },
                buttons: [
                  { type: 'postback', title: 'Buy', payload: 'BUY_A' },
                  { type: 'web_url', title: 'More', url: 'https://shop.example/a/more' },
                ],
              },
              { title: 'B', image_url: 'https://img.example/b.png' },
              { title: 'C', default_action: { type: 'web_url', url: 'https://shop.example/c' } },
            ],
          },
        },
        metadata: 'm-2',
      });
    });

    it('should render media by URL as a plain attachment, with is_reusable when asked', () => {
      expect(renderer.render(RichMessage.media('image').url('https://cdn.example/a.png').build())).toStrictEqual({
        attachment: { type: 'image', payload: { url: 'https://cdn.example/a.png' } },
      });
      expect(renderer.render(RichMessage.media('file').url('https://cdn.example/a.pdf', { reusable: true }).build())).toStrictEqual({
        attachment: { type: 'file', payload: { url: 'https://cdn.example/a.pdf', is_reusable: true } },
      });
    });

    it('should render media by attachment id', () => {
      const model = RichMessage.media('audio').attachmentId('1857777774821032').quickReply('Replay', 'REPLAY').build();

      expect(renderer.render(model)).toStrictEqual({
        attachment: { type: 'audio', payload: { attachment_id: '1857777774821032' } },
        quick_replies: [{ content_type: 'text', title: 'Replay', payload: 'REPLAY' }],
      });
    });

    it('should render image or video with buttons as a media template', () => {
      const byId = RichMessage.media('video').attachmentId('1234').postback('Like it', 'LIKE').call('Call', '+15551234').build();
      const byUrl = RichMessage.media('image')
        .url('https://www.facebook.com/photo.php?fbid=7')
        .urlButton('Open', 'https://x.example')
        .build();

      expect(renderer.render(byId)).toStrictEqual({
        attachment: {
          type: 'template',
          payload: {
            template_type: 'media',
            elements: [
              {
                media_type: 'video',
                attachment_id: '1234',
                buttons: [
                  { type: 'postback', title: 'Like it', payload: 'LIKE' },
                  { type: 'phone_number', title: 'Call', payload: '+15551234' },
                ],
              },
            ],
          },
        },
      });
      expect(renderer.render(byUrl)).toStrictEqual({
        attachment: {
          type: 'template',
          payload: {
            template_type: 'media',
            elements: [
              {
                media_type: 'image',
                url: 'https://www.facebook.com/photo.php?fbid=7',
                buttons: [{ type: 'web_url', title: 'Open', url: 'https://x.example' }],
              },
            ],
          },
        },
      });
    });
  });
});
