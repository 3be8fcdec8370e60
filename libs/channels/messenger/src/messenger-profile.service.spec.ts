import { InvalidConfigError, loadCcmConfig } from '@app/config';
import { MessengerProfileService } from './messenger-profile.service';

describe('MessengerProfileService at startup', () => {
  const live = {
    FACEBOOK_APP_SECRET: 'app-secret-123456',
    FACEBOOK_VERIFY_TOKEN: 'v',
    FACEBOOK_PAGE_ACCESS_TOKEN: 'EAAB-t',
    FACEBOOK_PAGE_ID: '111',
  };

  it('should stop startup (before anything listens) on an invalid configured profile, naming the variable, field and limit', () => {
    const config = loadCcmConfig({
      ...live,
      MESSENGER_PROFILE: JSON.stringify({ get_started: { payload: 'GO' }, greeting: [{ locale: 'default', text: 'x'.repeat(200) }] }),
      FACEBOOK_PAGES: JSON.stringify([
        { id: '222', accessToken: 'EAAB-2', messengerProfile: { persistent_menu: [{ locale: 'default', call_to_actions: [] }] } },
      ]),
    });
    const service = new MessengerProfileService(config, {} as never, {} as never, {} as never);
    let error: unknown;
    try {
      service.onModuleInit();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).problems).toEqual(
      expect.arrayContaining([
        'MESSENGER_PROFILE.greeting[0].text: at most 160 characters (got 200)',
        'FACEBOOK_PAGES[0].messengerProfile.persistent_menu[0].call_to_actions: must be a non-empty array',
      ]),
    );
  });

  it('should accept a valid configured profile', () => {
    const config = loadCcmConfig({ ...live, MESSENGER_PROFILE: JSON.stringify({ get_started: { payload: 'GET_STARTED' } }) });
    expect(() => new MessengerProfileService(config, {} as never, {} as never, {} as never).onModuleInit()).not.toThrow();
  });
});
