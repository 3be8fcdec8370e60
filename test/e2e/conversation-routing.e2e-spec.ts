import { DOUBLE_APP_ID, webhookEnvelope } from '@app/graph-double';
import { PAGE_INBOX_APP_ID } from '@app/channel-messenger';
import { ADMIN_KEY, createAgent } from '../helpers/agent-desk-client';
import { PAGE_ID, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

async function conversationOf(h: CcmHarness, psid: string) {
  return h.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: psid });
}

/** What Meta sends to a non-owning app: the customer's message in `standby[]`. */
async function standbyMessage(h: CcmHarness, psid: string, text: string) {
  h.graph.noteCustomerActivity(psid, Date.now());
  await h.simulator.post(
    webhookEnvelope([
      {
        pageId: PAGE_ID,
        standby: [
          { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message: { mid: `m_sb_${Date.now()}`, text } },
        ],
      },
    ]),
  );
}

const threadCalls = (h: CcmHarness, action: string) => h.graph.requests.filter((r) => r.path === `/me/${action}_thread_control`);

describe('Conversation Routing (thread ownership)', () => {
  let h: CcmHarness;
  afterEach(() => h.close());

  it('should pass the thread to the Page inbox on hand-over (PAGE_INBOX_HANDOFF), keep standby messages read-only, and take it back when an agent takes the conversation', async () => {
    h = await startCcm({ env: { PAGE_INBOX_HANDOFF: 'true', FACEBOOK_APP_ID: DOUBLE_APP_ID, ADMIN_API_KEY: ADMIN_KEY } });
    await h.simulator.sendText(testPsid('route'), 'I want to talk to a person');
    await eventually(async () => threadCalls(h, 'pass').some((r) => r.status === 200));
    expect(threadCalls(h, 'pass')[0].body).toMatchObject({ recipient: { id: testPsid('route') }, target_app_id: PAGE_INBOX_APP_ID });
    await eventually(async () => (await conversationOf(h, testPsid('route')))?.thread_owner === PAGE_INBOX_APP_ID);

    // The Page inbox owns the thread now: Meta sends the customer's messages to ccm as standby.
    const repliesBefore = h.graph.sentMessages(testPsid('route')).length;
    await standbyMessage(h, testPsid('route'), 'hello? anyone there?');
    const conversation = (await conversationOf(h, testPsid('route')))!;
    const standby = await eventually(async () =>
      (await h.persistence.repos.messages.listForConversation(conversation.id)).find((m) => m.text === 'hello? anyone there?'),
    );
    expect(JSON.parse(standby.content ?? '{}')).toMatchObject({ standby: true }); // shown read-only in the desk
    const supervisor = await createAgent(h, 'sam', 'supervisor');
    const view = await supervisor.api(`/api/conversations/${conversation.id}/messages`);
    expect(view.body.find((m: { text: string }) => m.text === 'hello? anyone there?').content).toMatchObject({ standby: true });

    // An agent takes it in ccm's desk: ccm takes the thread back and can answer.
    const alice = await createAgent(h, 'alice');
    expect((await alice.api(`/api/conversations/${conversation.id}/accept`, { body: {} })).status).toBe(200);
    await eventually(async () => threadCalls(h, 'take').some((r) => r.status === 200));
    await eventually(async () => (await conversationOf(h, testPsid('route')))?.thread_owner === null);
    expect(await alice.api(`/api/conversations/${conversation.id}/messages`, { body: { text: 'Hi, Alice here.' } })).toMatchObject({
      status: 201,
    });
    await h.graph.waitFor(() => h.graph.sentTexts(testPsid('route')).includes('Hi, Alice here.'));
    expect(h.graph.sentMessages(testPsid('route')).length).toBe(repliesBefore + 1); // the standby message got no bot answer
  });

  it('should pause bot replies for a thread another app owns (2018300) and tell the desk', async () => {
    h = await startCcm({ env: { FB_ROUTING_POLICY: 'BOT_ONLY' } });
    h.graph.threadControl.setOwner(testPsid('owned'), '1234567890123'); // e.g. another bot app took the thread
    await h.simulator.sendText(testPsid('owned'), 'where is my order');
    const conversation = await eventually(() => conversationOf(h, testPsid('owned')));
    const failed = await eventually(async () =>
      (await h.persistence.repos.messages.listForConversation(conversation.id)).find((m) => m.direction === 'out' && m.status === 'failed'),
    );
    expect(JSON.parse(failed.error ?? '{}')).toMatchObject({
      code: 'THREAD_OWNED_BY_OTHER_APP',
      message: expect.stringContaining('thread owned by another app'),
    });
    expect((await conversationOf(h, testPsid('owned')))?.thread_owner).toBe('unknown');
    const events = await h.persistence.repos.conversationEvents.listForConversation(conversation.id);
    expect(events.map((e) => e.type)).toContain('thread_owned_elsewhere');

    // The next bot reply is refused locally: no second call into a thread ccm does not own.
    const attempts = () => h.graph.requests.filter((r) => r.path === '/me/messages' && (r.body as { message?: unknown }).message).length;
    const before = attempts();
    await standbyMessage(h, testPsid('owned'), 'still there?'); // not answered (standby)
    const { enqueueOutbound, OutboxDispatcher } = await import('@app/conversations');
    const [id] = await enqueueOutbound(h.persistence.repos, conversation.id, 'bot', { kind: 'text', text: 'automated nudge' }, Date.now());
    h.app.get(OutboxDispatcher).kick();
    await eventually(async () => (await h.persistence.repos.messages.findById(id))?.status === 'failed');
    expect(JSON.parse((await h.persistence.repos.messages.findById(id))!.error!).code).toBe('THREAD_OWNED_BY_OTHER_APP');
    expect(attempts()).toBe(before);
  });
});
