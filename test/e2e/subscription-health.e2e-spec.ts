import { GraphApiDouble } from '@app/graph-double';
import { SubscriptionHealthService } from '@app/channel-messenger';
import { APP_SECRET, PAGE2_ID, PAGE2_TOKEN, PAGE_ID, PAGE_TOKEN, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const METRICS_TOKEN = 'metrics-token-0123456789';
const WITHOUT_MESSAGES = ['message_echoes', 'messaging_postbacks', 'messaging_referrals'];

interface Health {
  status: string;
  pages: { pageId: string; status: string; reason: string | null }[];
}

async function health(h: CcmHarness): Promise<Health> {
  return (await (await fetch(`${h.url}/health`)).json()) as Health;
}

describe('subscription health', () => {
  let graph: GraphApiDouble;
  let h: CcmHarness | undefined;
  const logs: string[] = [];
  beforeEach(async () => {
    logs.length = 0;
    graph = await GraphApiDouble.start({
      appSecret: APP_SECRET,
      pages: [
        { pageId: PAGE_ID, accessToken: PAGE_TOKEN },
        { pageId: PAGE2_ID, accessToken: PAGE2_TOKEN },
      ],
    });
    graph.subscribedApps.set(PAGE_ID, WITHOUT_MESSAGES); // Meta lost the `messages` field of this Page
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await graph.stop();
  });

  it('should turn /health degraded with an alert line and a metric when a Page lacks `messages`', async () => {
    h = await startCcm({ graph, captureLogs: logs, env: { SUBSCRIPTION_CHECK_INTERVAL_MS: '3600000', METRICS_TOKEN } });
    const report = await eventually(async () => {
      const r = await health(h!);
      return r.pages.some((p) => p.pageId === PAGE_ID && p.status === 'subscription_missing') && r.pages.length === 2 ? r : undefined;
    });
    expect(report.status).toBe('degraded');
    expect(report.pages.find((p) => p.pageId === PAGE_ID)?.reason).toBe('fields messages missing');
    expect(report.pages.find((p) => p.pageId === PAGE2_ID)?.status).toBe('ok');
    expect(logs.join('\n')).toContain(`ALERT: page ${PAGE_ID} webhook subscription incomplete (fields messages missing)`);
    expect(graph.requests.some((r) => r.method === 'GET' && r.path === `/${PAGE_ID}/subscribed_apps`)).toBe(true);
    expect(graph.requests.some((r) => r.method === 'POST' && r.path.endsWith('/subscribed_apps'))).toBe(false); // not enabled
    const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metrics).toMatch(new RegExp(`page_subscription_ok\\{page_id="${PAGE_ID}"\\} 0`));
  });

  it('should subscribe the Page again when FACEBOOK_AUTO_SUBSCRIBE=true, and stay healthy', async () => {
    h = await startCcm({ graph, captureLogs: logs, env: { SUBSCRIPTION_CHECK_INTERVAL_MS: '3600000', FACEBOOK_AUTO_SUBSCRIBE: 'true' } });
    await eventually(async () =>
      graph.requests.some((r) => r.method === 'POST' && r.path === `/${PAGE_ID}/subscribed_apps` && r.status === 200),
    );
    expect(graph.subscribedApps.fieldsOf(PAGE_ID)).toEqual(
      expect.arrayContaining(['messages', 'messaging_postbacks', 'message_echoes', 'standby']),
    );
    const report = await eventually(async () => {
      const r = await health(h!);
      return r.pages.find((p) => p.pageId === PAGE_ID)?.status === 'ok' && r.pages.length === 2 ? r : undefined;
    });
    expect(report.status).toBe('ok');
    expect(logs.join('\n')).toContain(`page ${PAGE_ID}: fields messages missing; subscribing again`);
  });

  it('should warn once when a Page with customer traffic sends no webhook for WEBHOOK_SILENCE_MINUTES', async () => {
    graph.subscribedApps.set(PAGE_ID, null);
    h = await startCcm({ graph, captureLogs: logs, env: { WEBHOOK_SILENCE_MINUTES: '30' } });
    await h.simulator.sendText(testPsid('quiet-1'), 'hello');
    await h.simulator.sendText(testPsid('quiet-2'), 'hello');
    await graph.waitFor(() => graph.sentMessages().length >= 2);
    const service = h.app.get(SubscriptionHealthService);
    expect(await service.checkWebhookSilence(Date.now() + 5 * 60_000)).toEqual([]); // 5 minutes of quiet is normal
    expect(await service.checkWebhookSilence(Date.now() + 31 * 60_000)).toEqual([PAGE_ID]);
    expect(await service.checkWebhookSilence(Date.now() + 40 * 60_000)).toEqual([]); // once per silence
    expect(logs.join('\n')).toContain(`ALERT: no webhook from Meta for page ${PAGE_ID} for 31 minutes while customers were active`);
  });
});
