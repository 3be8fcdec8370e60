import { enqueueOutbound, OutboxDispatcher } from '@app/conversations';
import { PAGE_ID, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';

/** An operator lists what was given up (outbound messages, chat-server events) and retries or discards it. */
describe('admin API: failed outbound messages and dead bridge events', () => {
  let h: CcmHarness;
  beforeAll(async () => {
    h = await startCcm({ env: { ADMIN_API_KEY: ADMIN_KEY } });
  });
  afterAll(() => h.close());

  const admin = (path: string, method = 'GET') => fetch(`${h.url}/api/admin/${path}`, { method, headers: { 'x-admin-key': ADMIN_KEY } });

  async function conversation(psid: string): Promise<string> {
    const c = await h.persistence.repos.conversations.ensure({ channel: 'messenger', pageId: PAGE_ID, customerId: psid }, Date.now());
    await h.persistence.repos.conversations.update(c.id, { last_user_event_at: Date.now() });
    h.graph.noteCustomerActivity(psid, Date.now());
    return c.id;
  }

  it('should list a message Meta refused for good and send it again on retry', async () => {
    const conversationId = await conversation(testPsid('dead-out'));
    h.graph.injectFault({ status: 400, code: 100, subcode: 2018001, message: '(#100) No matching user found', times: 1 });
    const [id] = await enqueueOutbound(
      h.persistence.repos,
      conversationId,
      'agent',
      { kind: 'text', text: 'your parcel left' },
      Date.now(),
    );
    h.app.get(OutboxDispatcher).kick();
    await eventually(async () => (await h.persistence.repos.messages.findById(id))?.status === 'failed', 10_000);

    const failed = (await (await admin('outbound/failed')).json()) as { id: number; conversationId: string; error: string }[];
    expect(failed).toEqual([
      expect.objectContaining({ id, conversationId, text: 'your parcel left', error: expect.stringContaining('2018001') }),
    ]);

    const retried = await admin(`outbound/${id}/retry`, 'POST');
    expect(retried.status).toBe(202);
    await eventually(async () => (await h.persistence.repos.messages.findById(id))?.status === 'sent', 10_000);
    expect(h.graph.sentTexts(testPsid('dead-out'))).toEqual(['your parcel left']);
    expect(await (await admin('outbound/failed')).json()).toEqual([]);
    // Only failed messages can be retried: a sent one (or an unknown id) is a 404, and nothing is sent twice.
    expect((await admin(`outbound/${id}/retry`, 'POST')).status).toBe(404);
    expect((await admin('outbound/999999/retry', 'POST')).status).toBe(404);
  });

  it('should list a dead chat-server event, replay it, and discard one for good', async () => {
    const conversationId = await conversation(testPsid('dead-bridge'));
    const insert = (dedupeKey: string) =>
      h.persistence.db
        .insertInto('bridge_outbox')
        .values({
          dedupe_key: dedupeKey,
          conversation_id: conversationId,
          event_type: 'conversation.handover',
          message_id: null,
          payload: '{}',
          status: 'dead',
          attempts: 60,
          next_attempt_at: Date.now(),
          lease_until: null,
          last_error: 'HTTP 410 from the chat server',
          created_at: Date.now(),
          delivered_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const replayable = (await insert('dead-1')).id;
    const discardable = (await insert('dead-2')).id;

    const dead = (await (await admin('bridge/dead')).json()) as { id: number }[];
    expect(dead.map((d) => d.id)).toEqual([replayable, discardable]);
    expect(dead[0]).toMatchObject({
      conversationId,
      eventType: 'conversation.handover',
      attempts: 60,
      lastError: 'HTTP 410 from the chat server',
    });

    expect((await admin(`bridge/${replayable}/replay`, 'POST')).status).toBe(202);
    const replayed = await h.persistence.db.selectFrom('bridge_outbox').selectAll().where('id', '=', replayable).executeTakeFirstOrThrow();
    expect(replayed).toMatchObject({ status: 'pending', attempts: 0 });

    expect((await admin(`bridge/${discardable}`, 'DELETE')).status).toBe(204);
    expect(
      await h.persistence.db.selectFrom('bridge_outbox').select('id').where('id', '=', discardable).executeTakeFirst(),
    ).toBeUndefined();
    // Neither a pending event nor one already discarded can be discarded.
    expect((await admin(`bridge/${replayable}`, 'DELETE')).status).toBe(404);
    expect((await admin(`bridge/${discardable}`, 'DELETE')).status).toBe(404);
    expect((await fetch(`${h.url}/api/admin/bridge/dead`)).status).toBe(401);
  });
});
