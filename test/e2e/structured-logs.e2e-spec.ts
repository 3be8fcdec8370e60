import { correlationIdOf } from '@app/observability';
import { APP_SECRET, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const ADMIN_KEY = 'admin-key-for-log-tests-0123456789';
const JWT_SECRET = 'jwt-secret-for-log-tests-0123456789';
const METRICS_TOKEN = 'metrics-token-for-log-tests-0123';
const CUSTOMER_TEXT = 'my card number is 4111 1111 1111 1111, where is my order';

interface LogLine {
  level: string;
  msg: string;
  time: string;
  reqId?: string;
  correlationId?: string;
  context?: string;
  req?: { url?: string };
}

describe('structured logs at the default level', () => {
  let h: CcmHarness;
  const lines: string[] = [];
  const parsed = () => lines.map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    h = await startCcm({
      jsonLogs: lines,
      env: { ADMIN_API_KEY: ADMIN_KEY, AGENT_JWT_SECRET: JWT_SECRET, METRICS_TOKEN, OUTBOX_RETRY_BASE_MS: '20' },
    });
  });
  afterAll(() => h.close());

  it('should log one JSON line per request, follow an event by its correlation id, and leak no secret or customer text', async () => {
    // A customer message, answered by the bot; one signature failure; a verify handshake; admin and probe requests.
    const { response, mid } = await h.simulator.sendText(testPsid('logs'), CUSTOMER_TEXT);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('logs')).length === 1, 5000);
    expect((await h.simulator.post({ object: 'page', entry: [] }, 'sha256=' + 'f'.repeat(64))).status).toBe(403);
    await fetch(`${h.url}/ccm/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=9`);
    await fetch(`${h.url}/api/admin/pages`, { headers: { 'x-admin-key': ADMIN_KEY } });
    await fetch(`${h.url}/health/ready`);
    await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    await fetch(`${h.url}/health/live`, { headers: { 'x-request-id': 'caller-chosen-id-1' } });

    const journal = await h.persistence.db
      .selectFrom('inbound_events')
      .select(['dedupe_key', 'event'])
      .where('customer_id', '=', testPsid('logs'))
      .executeTakeFirstOrThrow();
    expect(journal.event).toContain(mid);
    const correlationId = correlationIdOf(journal.dedupe_key);
    await eventually(async () => parsed().some((l) => l.correlationId === correlationId && l.msg.includes('sent to messenger')), 5000);

    // Every line is JSON with a level and a time.
    const logs = parsed();
    for (const line of logs) expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });

    // Nothing secret, nothing the customer wrote.
    const all = lines.join('\n');
    for (const secret of [APP_SECRET, PAGE_TOKEN, VERIFY_TOKEN, ADMIN_KEY, JWT_SECRET, METRICS_TOKEN, CUSTOMER_TEXT, '4111 1111'])
      expect(all).not.toContain(secret);
    expect(all).not.toMatch(/sha256=[0-9a-f]{64}/);

    // One line per request, with its id; health and metrics probes are not logged.
    const requestLines = logs.filter((l) => l.req);
    expect(requestLines.filter((l) => l.reqId === requestId)).toHaveLength(1);
    expect(requestLines.map((l) => l.req?.url)).toEqual(
      expect.arrayContaining([
        '/ccm/webhook',
        '/api/admin/pages',
        `/ccm/webhook?hub.mode=subscribe&hub.verify_token=[REDACTED]&hub.challenge=9`,
      ]),
    );
    expect(requestLines.some((l) => /^\/(health|metrics)/.test(l.req?.url ?? ''))).toBe(false);

    // The event's path — intake, processing (routing + bot), outbox send — shares one correlation id.
    const trail = logs.filter((l) => l.correlationId === correlationId);
    expect(trail.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        `inbound messenger message for page ${PAGE_ID} received`,
        expect.stringMatching(/^inbound event \d+ \(messenger message, conversation [\w-]+\) processed$/),
        expect.stringMatching(/^message \d+ \(bot, conversation [\w-]+\) sent to messenger$/),
      ]),
    );
    // …and no line about that conversation's processing or sending lacks it.
    const conversationId = /conversation ([\w-]+)\) processed/.exec(trail.find((l) => l.msg.includes('processed'))!.msg)![1];
    const aboutConversation = logs.filter((l) => l.msg.includes(conversationId));
    expect(aboutConversation.length).toBeGreaterThanOrEqual(2);
    for (const line of aboutConversation) expect(line.correlationId).toBe(correlationId);
  });
});
