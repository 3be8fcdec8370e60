import { webhookEnvelope } from '@app/graph-double';
import { PAGE_ID, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';

const PROFILE = {
  get_started: { payload: 'GET_STARTED' },
  greeting: [{ locale: 'default', text: 'Hi {{user_first_name}}, how can we help?' }],
  ice_breakers: [{ locale: 'default', call_to_actions: [{ question: 'Where is my order?', payload: 'TRACK_ORDER' }] }],
  persistent_menu: [
    {
      locale: 'default',
      composer_input_disabled: false,
      call_to_actions: [
        { type: 'postback', title: 'Track my order', payload: 'TRACK_ORDER' },
        { type: 'web_url', title: 'Visit the shop', url: 'https://shop.example' },
      ],
    },
  ],
};

async function putProfile(h: CcmHarness, body: unknown) {
  const response = await fetch(`${h.url}/api/admin/pages/${PAGE_ID}/messenger-profile`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY, 'x-admin-actor': 'ops-anna' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const profileCalls = (h: CcmHarness) => h.graph.requests.filter((r) => r.path === '/me/messenger_profile');

describe('Messenger Profile per Page', () => {
  describe('through the admin API', () => {
    let h: CcmHarness;
    beforeEach(async () => {
      h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY } });
    });
    afterEach(() => h.close());

    it('should apply a valid profile with POST /me/messenger_profile, read it back and audit it', async () => {
      const { status, body } = await putProfile(h, PROFILE);
      expect(status).toBe(200);
      const [post, get] = profileCalls(h);
      expect(post).toMatchObject({ method: 'POST', status: 200, response: { result: 'success' } });
      expect(get).toMatchObject({ method: 'GET', status: 200, query: { fields: 'get_started,greeting,ice_breakers,persistent_menu' } });
      expect(h.graph.messengerProfile.profiles.get(PAGE_ID)).toMatchObject({
        greeting: PROFILE.greeting,
        persistent_menu: [
          {
            call_to_actions: [
              { type: 'postback', payload: expect.stringContaining('TRACK_ORDER') },
              PROFILE.persistent_menu[0].call_to_actions[1],
            ],
          },
        ],
      });
      expect(body).toMatchObject({ pageId: PAGE_ID, profile: PROFILE, appliedBy: 'ops-anna', readBack: { greeting: PROFILE.greeting } });

      const stored = await (
        await fetch(`${h.url}/api/admin/pages/${PAGE_ID}/messenger-profile`, { headers: { 'x-admin-key': ADMIN_KEY } })
      ).json();
      expect(stored).toMatchObject({ profile: PROFILE, appliedBy: 'ops-anna' });
      const audit = (await (await fetch(`${h.url}/api/admin/audit`, { headers: { 'x-admin-key': ADMIN_KEY } })).json()) as {
        action: string;
        actor: string;
        after: unknown;
      }[];
      expect(audit).toContainEqual(
        expect.objectContaining({ action: 'messenger_profile.apply', actor: 'ops-anna', target: `page:${PAGE_ID}`, after: PROFILE }),
      );
    });

    it('should refuse an invalid menu with the field and the limit, and call Meta not at all', async () => {
      const items = Array.from({ length: 21 }, (_, i) => ({ type: 'postback', title: `Item ${i}`, payload: `P${i}` }));
      items[0].title = 'Track every one of my orders here';
      const { status, body } = await putProfile(h, { ...PROFILE, persistent_menu: [{ locale: 'default', call_to_actions: items }] });
      expect(status).toBe(400);
      expect((body.error as { code: string }).code).toBe('VALIDATION_FAILED');
      expect((body.error as { details: unknown[] }).details).toEqual(
        expect.arrayContaining([
          { field: 'persistent_menu[0].call_to_actions', message: 'at most 20 items (got 21)' },
          { field: 'persistent_menu[0].call_to_actions[0].title', message: 'at most 30 characters (got 33)' },
        ]),
      );
      expect(profileCalls(h)).toEqual([]);
    });

    it('should give the bot a persistent-menu postback as a choice from the menu', async () => {
      await putProfile(h, PROFILE);
      const menu = h.graph.messengerProfile.profiles.get(PAGE_ID)!.persistent_menu as { call_to_actions: { payload?: string }[] }[];
      const payload = menu[0].call_to_actions[0].payload!; // what Meta will send back when the customer taps the item
      h.graph.noteCustomerActivity(testPsid('menu'), Date.now());
      await h.simulator.post(
        webhookEnvelope([
          {
            pageId: PAGE_ID,
            messaging: [
              {
                sender: { id: testPsid('menu') },
                recipient: { id: PAGE_ID },
                timestamp: Date.now(),
                postback: { mid: 'm_menu_1', title: 'Track my order', payload },
              },
            ],
          },
        ]),
      );
      await h.graph.waitFor(() => h.graph.sentMessages(testPsid('menu')).length > 0);
      expect(h.graph.sentTexts(testPsid('menu'))[0]).toMatch(/track your order/i); // the TRACK_ORDER intent answered
      const conversation = await h.persistence.repos.conversations.findByKey({
        channel: 'messenger',
        pageId: PAGE_ID,
        customerId: testPsid('menu'),
      });
      const [inbound] = await h.persistence.repos.messages.listForConversation(conversation!.id);
      expect(JSON.parse(inbound.content ?? '{}').choice).toMatchObject({
        payload: 'TRACK_ORDER',
        title: 'Track my order',
        source: 'postback',
        messageRef: 'messenger-profile:persistent_menu',
      });
    });
  });

  describe('from the configuration', () => {
    it('should apply MESSENGER_PROFILE at startup', async () => {
      const h = await startCcm({ env: { MESSENGER_PROFILE: JSON.stringify(PROFILE), ADMIN_API_KEY: ADMIN_KEY } });
      try {
        await eventually(async () => h.graph.messengerProfile.profiles.has(PAGE_ID));
        expect(h.graph.messengerProfile.profiles.get(PAGE_ID)).toMatchObject({ greeting: PROFILE.greeting });
      } finally {
        await h.close();
      }
    });
  });
});
