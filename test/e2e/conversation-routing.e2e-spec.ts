import { DOUBLE_APP_ID, webhookEnvelope } from '@app/graph-double';
import { PAGE_INBOX_APP_ID, ThreadControlService } from '@app/channel-messenger';
import { ADMIN_KEY, createAgent } from '../helpers/agent-desk-client';
import { PAGE_ID, CcmHarness, eventually, startCcm, waitForIdle } from '../helpers/ccm-harness';
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

/** A `messaging_handovers` item as Meta posts it (to ccm as the owner, the new owner or the previous one). */
async function handover(h: CcmHarness, psid: string, change: Record<string, unknown>, timestamp = Date.now()) {
  await h.simulator.post(
    webhookEnvelope([{ pageId: PAGE_ID, messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp, ...change }] }]),
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

  it('should pass the thread when the Page inbox requests it, and keep it while an agent handles the conversation in ccm', async () => {
    h = await startCcm({ env: { FACEBOOK_APP_ID: DOUBLE_APP_ID, ADMIN_API_KEY: ADMIN_KEY } });
    // A bot conversation: someone opened it in the Page inbox, which asks ccm (the owner) for the thread.
    await h.simulator.sendText(testPsid('asked'), 'hello');
    const asked = await eventually(() => conversationOf(h, testPsid('asked')));
    await handover(h, testPsid('asked'), {
      request_thread_control: { requested_owner_app_id: PAGE_INBOX_APP_ID, metadata: 'Sam opened it' },
    });
    await eventually(async () => threadCalls(h, 'pass').some((r) => r.status === 200));
    expect(threadCalls(h, 'pass')[0].body).toMatchObject({ recipient: { id: testPsid('asked') }, target_app_id: PAGE_INBOX_APP_ID });
    expect(h.graph.threadControl.ownerOf(testPsid('asked'))).toBe(PAGE_INBOX_APP_ID);
    await eventually(async () => (await conversationOf(h, testPsid('asked')))?.thread_owner === PAGE_INBOX_APP_ID);
    const expiresAt = (await conversationOf(h, testPsid('asked')))!.thread_owner_expires_at!;
    expect(expiresAt - Date.now()).toBeGreaterThan(23 * 3600_000); // the inbox's control lapses after 24 h without activity
    const trail = await h.persistence.repos.conversationEvents.listForConversation(asked.id);
    expect(trail.map((e) => e.reason).join('\n')).toContain('requested by the Page inbox: Sam opened it');

    // A conversation an agent is handling in ccm: the request is declined (the thread stays with ccm) and noted.
    await h.simulator.sendText(testPsid('kept'), 'I want to talk to a person');
    const kept = await eventually(async () =>
      (await conversationOf(h, testPsid('kept')))?.state === 'QUEUED' ? conversationOf(h, testPsid('kept')) : undefined,
    );
    const alice = await createAgent(h, 'alice');
    expect((await alice.api(`/api/conversations/${kept!.id}/accept`, { body: {} })).status).toBe(200);
    await handover(h, testPsid('kept'), { request_thread_control: { requested_owner_app_id: PAGE_INBOX_APP_ID } });
    const declined = await eventually(async () =>
      (await h.persistence.repos.conversationEvents.listForConversation(kept!.id)).find(
        (e) => e.type === 'thread_control_request_declined',
      ),
    );
    expect(declined.reason).toContain('an agent is handling the conversation in ccm');
    await waitForIdle(h);
    expect(threadCalls(h, 'pass').filter((r) => (r.body as { recipient: { id: string } }).recipient.id === testPsid('kept'))).toEqual([]);
    expect((await conversationOf(h, testPsid('kept')))?.thread_owner).toBeNull();
  });

  it("should treat another app's control as lapsed 24 h after the thread's last activity, and answer with the bot again", async () => {
    h = await startCcm({ env: { FACEBOOK_APP_ID: DOUBLE_APP_ID } });
    await h.simulator.sendText(testPsid('lapse'), 'hello');
    const conversation = await eventually(() => conversationOf(h, testPsid('lapse')));
    // The Page inbox took the thread 25 hours ago, and nothing happened in it since.
    await handover(
      h,
      testPsid('lapse'),
      { take_thread_control: { previous_owner_app_id: DOUBLE_APP_ID, new_owner_app_id: PAGE_INBOX_APP_ID } },
      Date.now() - 25 * 3600_000,
    );
    await eventually(async () => (await conversationOf(h, testPsid('lapse')))?.thread_owner === PAGE_INBOX_APP_ID);
    await h.app.get(ThreadControlService).clearLapsed();
    expect(await conversationOf(h, testPsid('lapse'))).toMatchObject({ thread_owner: null, thread_owner_expires_at: null });
    const trail = await h.persistence.repos.conversationEvents.listForConversation(conversation.id);
    expect(trail.map((e) => e.type)).toContain('thread_control_lapsed');
    // The bot may send again (not refused locally as "thread owned by another app").
    const { enqueueOutbound, OutboxDispatcher } = await import('@app/conversations');
    const [id] = await enqueueOutbound(h.persistence.repos, conversation.id, 'bot', { kind: 'text', text: 'back with you' }, Date.now());
    h.app.get(OutboxDispatcher).kick();
    await eventually(async () => (await h.persistence.repos.messages.findById(id))?.status === 'sent');

    // A thread the inbox took recently is kept.
    await handover(h, testPsid('lapse'), {
      take_thread_control: { previous_owner_app_id: DOUBLE_APP_ID, new_owner_app_id: PAGE_INBOX_APP_ID },
    });
    await eventually(async () => (await conversationOf(h, testPsid('lapse')))?.thread_owner === PAGE_INBOX_APP_ID);
    await h.app.get(ThreadControlService).clearLapsed();
    expect((await conversationOf(h, testPsid('lapse')))?.thread_owner).toBe(PAGE_INBOX_APP_ID);
  });

  it("should request the thread when Meta refuses to let ccm take it (ccm is not the Page's default app)", async () => {
    h = await startCcm({ env: { PAGE_INBOX_HANDOFF: 'true', FACEBOOK_APP_ID: DOUBLE_APP_ID, ADMIN_API_KEY: ADMIN_KEY } });
    h.graph.threadControl.defaultApp = false;
    await h.simulator.sendText(testPsid('req'), 'I want to talk to a person');
    await eventually(async () => (await conversationOf(h, testPsid('req')))?.thread_owner === PAGE_INBOX_APP_ID);
    const conversation = (await conversationOf(h, testPsid('req')))!;
    const alice = await createAgent(h, 'alice');
    expect((await alice.api(`/api/conversations/${conversation.id}/accept`, { body: {} })).status).toBe(200);
    await eventually(async () => threadCalls(h, 'request').some((r) => r.status === 200));
    expect(threadCalls(h, 'take').map((r) => r.status)).toEqual([400]);
    expect(h.graph.threadControl.requests).toEqual([expect.objectContaining({ psid: testPsid('req') })]);
    const requested = await eventually(async () =>
      (await h.persistence.repos.conversationEvents.listForConversation(conversation.id)).find(
        (e) => e.type === 'thread_control_requested',
      ),
    );
    expect(requested.reason).toContain(`asked app ${PAGE_INBOX_APP_ID} to pass the thread`);
    // Until the inbox passes it, the thread stays the inbox's.
    expect((await conversationOf(h, testPsid('req')))?.thread_owner).toBe(PAGE_INBOX_APP_ID);
    // The inbox passes it: ccm owns the thread again.
    h.graph.threadControl.setOwner(testPsid('req'), DOUBLE_APP_ID);
    await handover(h, testPsid('req'), {
      pass_thread_control: { previous_owner_app_id: PAGE_INBOX_APP_ID, new_owner_app_id: DOUBLE_APP_ID },
    });
    await eventually(async () => (await conversationOf(h, testPsid('req')))?.thread_owner === null);
  });
});
