import { GraphApiDouble } from '@app/graph-double';
import { dropPostgresSchema, postgresTestDatabase } from '@app/testing';
import { ADMIN_KEY, connectDesk, createAgent, DeskSocket } from '../helpers/agent-desk-client';
import {
  APP_SECRET,
  PAGE2_ID,
  PAGE2_TOKEN,
  PAGE_ID,
  PAGE_TOKEN,
  CcmHarness,
  eventually,
  startCcm,
  waitForIdle,
} from '../helpers/ccm-harness';
import { loadFixture, testPsid } from '../helpers/fixtures';

const REDIS_URL = process.env.CCM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two ccm instances on one PostgreSQL database and one Redis: webhooks may hit either instance,
 * work on a conversation is serialized by the database, and agent desks connected to one instance
 * see what happens on the other.
 */
describe('two instances sharing PostgreSQL and Redis', () => {
  const db = postgresTestDatabase();
  let graph: GraphApiDouble;
  let a: CcmHarness;
  let b: CcmHarness;
  const desks: DeskSocket[] = [];

  beforeAll(async () => {
    graph = await GraphApiDouble.start({
      appSecret: APP_SECRET,
      pages: [
        { pageId: PAGE_ID, accessToken: PAGE_TOKEN },
        { pageId: PAGE2_ID, accessToken: PAGE2_TOKEN },
      ],
    });
    const options = { graph, databaseUrl: db.url, env: { ADMIN_API_KEY: ADMIN_KEY, REDIS_URL } };
    a = await startCcm(options);
    b = await startCcm(options);
  });
  afterAll(async () => {
    desks.forEach((d) => d.close());
    await a.close();
    await b.close();
    await graph.stop();
    await dropPostgresSchema(db.schema);
  });

  it('should apply a batch posted to both instances at once exactly once', async () => {
    const body = loadFixture('batch-3x5');
    const responses = await Promise.all([a.simulator.post(body), b.simulator.post(body), a.simulator.post(body)]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await graph.waitFor(() => graph.sentMessages().length >= 15, 10_000);
    await eventually(async () => ((await a.persistence.repos.journal.countByStatus()).pending ?? 0) === 0);
    await waitForIdle(a);
    expect(graph.sentMessages()).toHaveLength(15);
    const inbound = await a.persistence.db.selectFrom('messages').select('mid').where('direction', '=', 'in').execute();
    expect(inbound).toHaveLength(15);
  });

  it("should show an agent's reply on instance B live to a supervisor whose desk is connected to instance A", async () => {
    const supervisor = await createAgent(a, 'sup', 'supervisor');
    const agent = await createAgent(b, 'bee');
    desks.push(await connectDesk(a, supervisor.token));

    await a.simulator.sendText(testPsid('multi'), 'I want to talk to a human');
    const conversation = await eventually(async () => {
      const c = await a.persistence.repos.conversations.findByKey({ channel: 'messenger', pageId: PAGE_ID, customerId: testPsid('multi') });
      return c?.state === 'QUEUED' ? c : undefined;
    }, 5000);
    expect((await agent.api(`/api/conversations/${conversation.id}/accept`, { method: 'POST' })).status).toBe(200);
    const sent = await agent.api(`/api/conversations/${conversation.id}/messages`, { body: { text: 'Hello from instance B' } });
    expect(sent.status).toBe(201);

    // Emitted by instance B's relay, delivered through Redis to the socket held by instance A.
    const live = await desks[0].waitFor(
      'message.created',
      (p: { message: { text: string } }) => p.message.text === 'Hello from instance B',
      5000,
    );
    expect(live.conversationId).toBe(conversation.id);
    await graph.waitFor(() => graph.sentTexts(testPsid('multi')).includes('Hello from instance B'), 5000);
  });
});
