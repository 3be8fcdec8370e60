import { parseChoice } from '@app/templates';
import { MessengerProfile, stampProfilePayloads, validateMessengerProfile } from './messenger-profile';

const valid: MessengerProfile = {
  get_started: { payload: 'GET_STARTED' },
  greeting: [
    { locale: 'default', text: 'Hi {{user_first_name}}!' },
    { locale: 'de_DE', text: 'Hallo {{user_first_name}}!' },
  ],
  ice_breakers: [{ locale: 'default', call_to_actions: [{ question: 'Where is my order?', payload: 'TRACK_ORDER' }] }],
  persistent_menu: [
    {
      locale: 'default',
      composer_input_disabled: false,
      call_to_actions: [
        { type: 'postback', title: 'Track my order', payload: 'TRACK_ORDER' },
        { type: 'web_url', title: 'Shop', url: 'https://shop.example' },
      ],
    },
  ],
};

describe('validateMessengerProfile', () => {
  it("should accept a profile within Meta's limits", () => {
    expect(validateMessengerProfile(valid)).toEqual([]);
  });

  it('should name the field and the limit of every problem', () => {
    const menuItems = Array.from({ length: 21 }, (_, i) => ({ type: 'postback', title: `Item ${i}`, payload: `P${i}` }));
    menuItems[2] = { type: 'postback', title: 'A title that is far too long for a menu', payload: 'X' };
    const problems = validateMessengerProfile({
      greeting: [{ locale: 'en_US', text: 'x'.repeat(161) }],
      ice_breakers: [{ locale: 'default', call_to_actions: Array.from({ length: 5 }, () => ({ question: 'Q?', payload: 'Q' })) }],
      persistent_menu: [{ locale: 'default', call_to_actions: [...menuItems, { type: 'phone_number', title: 'Call', payload: '+1' }] }],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'greeting[0].text: at most 160 characters (got 161)',
        'greeting: an entry with locale "default" is required',
        'ice_breakers[0].call_to_actions: at most 4 questions (got 5)',
        'persistent_menu[0].call_to_actions: at most 20 items (got 22)',
        'persistent_menu[0].call_to_actions[2].title: at most 30 characters (got 39)',
        expect.stringMatching(/^persistent_menu\[0\]\.call_to_actions\[21\]\.type: must be postback or web_url/),
        'get_started: required with persistent_menu (Meta shows the menu only after Get Started)',
      ]),
    );
  });

  it('should refuse what is not a profile, and fields ccm does not manage', () => {
    expect(validateMessengerProfile([])).toHaveLength(1);
    expect(validateMessengerProfile({ home_url: 'https://x' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^home_url: not a Messenger Profile field/)]),
    );
  });
});

describe('stampProfilePayloads', () => {
  it('should stamp postback payloads so they come back as choices from the profile, with the original payload', () => {
    const stamped = stampProfilePayloads(valid);
    const menuPayload = (stamped.persistent_menu![0].call_to_actions[0] as { payload: string }).payload;
    expect(parseChoice({ payload: menuPayload, title: 'Track my order' })).toMatchObject({
      payload: 'TRACK_ORDER',
      messageRef: 'messenger-profile:persistent_menu',
      index: 0,
      source: 'postback',
    });
    expect(parseChoice({ payload: stamped.get_started!.payload, title: 'Get Started' })).toMatchObject({ payload: 'GET_STARTED' });
    expect(stamped.persistent_menu![0].call_to_actions[1]).toEqual({ type: 'web_url', title: 'Shop', url: 'https://shop.example' });
    expect(validateMessengerProfile(valid)).toEqual([]); // the input is not changed
  });
});
