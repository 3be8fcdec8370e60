import { renderPageMessage } from './render-text';
import { parseSimulateArgs } from './simulate-args';

describe('npm run simulate arguments', () => {
  it('should read flags and the message text', () => {
    expect(parseSimulateArgs(['--psid', 'bob', 'where', 'is', 'my', 'order'])).toMatchObject({
      psid: 'bob',
      text: 'where is my order',
      waitSeconds: 5,
    });
    expect(parseSimulateArgs(['--postback', 'MENU', '--wait', '10'])).toEqual({
      help: false,
      psid: 'local-customer-1',
      postback: 'MENU',
      waitSeconds: 10,
    });
    expect(parseSimulateArgs(['--help'])).toEqual({ help: true, psid: 'local-customer-1', waitSeconds: 5 });
    expect(parseSimulateArgs([])).toMatchObject({ psid: 'local-customer-1', text: 'hello' });
    expect(parseSimulateArgs(['--', '--help', 'me'])).toMatchObject({ help: false, text: '--help me' });
  });

  it('should refuse a flag without its value, an unknown flag and a bad wait', () => {
    expect(() => parseSimulateArgs(['--psid'])).toThrow('--psid needs a value');
    expect(() => parseSimulateArgs(['--psid', '--wait', '3'])).toThrow('--psid needs a value');
    expect(() => parseSimulateArgs(['--colour', 'red'])).toThrow('unknown option --colour');
    expect(() => parseSimulateArgs(['--wait', 'soon'])).toThrow('--wait: seconds from 0 to 600 (got "soon")');
    expect(() => parseSimulateArgs(['--postback', 'X', 'text'])).toThrow('cannot be combined');
  });
});

describe('renderPageMessage', () => {
  it('should render buttons, carousels and quick replies as text', () => {
    expect(
      renderPageMessage({
        attachment: {
          type: 'template',
          payload: {
            template_type: 'button',
            text: 'What can I do?',
            buttons: [
              { type: 'postback', title: 'Returns', payload: 'R' },
              { type: 'web_url', title: 'Site', url: 'https://x.example' },
            ],
          },
        },
        quick_replies: [{ content_type: 'text', title: 'Yes', payload: 'Y' }],
      }),
    ).toEqual(['What can I do?', '  [ Returns ] [ Site ↗ https://x.example ]', 'Quick replies: ( Yes )']);
    expect(
      renderPageMessage({
        attachment: {
          type: 'template',
          payload: {
            template_type: 'generic',
            elements: [{ title: 'Shoe', subtitle: '45 €', image_url: 'https://i/1.jpg', buttons: [{ type: 'postback', title: 'Buy' }] }],
          },
        },
      }),
    ).toEqual(['  1/1 ▸ Shoe — 45 €', '      image: https://i/1.jpg', '      [ Buy ]']);
    expect(renderPageMessage({ attachment: { type: 'image', payload: { url: 'https://i/2.png' } } })).toEqual(['[image: https://i/2.png]']);
  });
});
