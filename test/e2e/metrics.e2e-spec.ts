import { enqueueOutbound, OutboxDispatcher } from '@app/conversations';
import { PAGE_ID, PAGE_TOKEN, CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';
import { testPsid } from '../helpers/fixtures';

const METRICS_TOKEN = 'metrics-token-0123456789';

/** Parses Prometheus text into `name{labels}` → value (labels in the order ccm writes them). */
function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

describe('/metrics', () => {
  let h: CcmHarness;

  beforeAll(async () => {
    h = await startCcm({ env: { METRICS_TOKEN, OUTBOX_RETRY_BASE_MS: '20', OUTBOX_RETRY_CAP_MS: '50' } });
  });
  afterAll(() => h.close());

  async function scrape(): Promise<Map<string, number>> {
    const response = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parseMetrics(await response.text());
  }
  const value = (m: Map<string, number>, series: string) => m.get(series) ?? 0;

  it('should refuse a scrape without METRICS_TOKEN', async () => {
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
  });

  it('should move the matching series for a bad signature, a duplicate, a 613 retry, a hand-over and a 190', async () => {
    const before = await scrape();

    // An agent's follow-up (first, and with no inbound event: no background sender action can take the injected fault)
    // meets one (#613) rate-limit refusal and goes out on the retry.
    const now = Date.now();
    const conversation = await h.persistence.repos.conversations.ensure(
      { channel: 'messenger', pageId: PAGE_ID, customerId: testPsid('613') },
      now,
    );
    await h.persistence.repos.conversations.update(conversation.id, { last_user_event_at: now });
    h.graph.noteCustomerActivity(testPsid('613'), now);
    h.graph.injectFault({ status: 400, code: 613, subcode: 2534040 });
    await enqueueOutbound(h.persistence.repos, conversation.id, 'agent', { kind: 'text', text: 'follow-up' }, now);
    h.app.get(OutboxDispatcher).kick();
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('613')).length === 1, 5000);

    // A forged webhook.
    expect((await h.simulator.post({ object: 'page', entry: [] }, 'sha256=' + '0'.repeat(64))).status).toBe(403);

    // A message delivered twice by Meta (same mid).
    const first = await h.simulator.sendText(testPsid('metrics'), 'where is my order', { mid: 'm_metrics_dup' });
    expect(first.response.status).toBe(200);
    expect((await h.simulator.sendText(testPsid('metrics'), 'where is my order', { mid: 'm_metrics_dup' })).response.status).toBe(200);
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('metrics')).length === 1, 5000);

    // A customer asks for a person.
    await h.simulator.sendText(testPsid('handover'), 'I want to talk to a person');
    await h.graph.waitFor(() => h.graph.sentMessages(testPsid('handover')).length === 1, 5000);

    // Meta invalidates the Page token (190): sends pause and the token gauge drops.
    h.graph.revokeToken(PAGE_TOKEN);
    await h.simulator.sendText(testPsid('token'), 'where is my order');
    await eventually(async () => (await h.persistence.repos.pageStates.get(PAGE_ID))?.token_status === 'invalid', 5000);

    const after = await scrape();
    const delta = (series: string) => value(after, series) - value(before, series);
    expect(delta('ccm_webhook_requests_total{outcome="bad_signature"}')).toBe(1);
    expect(delta('ccm_webhook_requests_total{outcome="accepted"}')).toBe(4);
    expect(delta('ccm_webhook_events_total{channel="messenger",kind="message"}')).toBe(4);
    expect(delta('ccm_webhook_duplicates_total')).toBe(1);
    expect(delta('ccm_send_api_calls_total{outcome="meta_error",code="613"}')).toBe(1);
    expect(delta('ccm_outbox_retries_total{channel="messenger",code="613"}')).toBe(1);
    expect(delta('ccm_send_api_calls_total{outcome="ok",code=""}')).toBeGreaterThanOrEqual(3);
    expect(delta('ccm_handovers_total{reason="customer_request"}')).toBe(1);
    expect(delta('ccm_send_api_calls_total{outcome="meta_error",code="190"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, `ccm_page_token_valid{page_id="${PAGE_ID}"}`)).toBe(0);
    expect(value(before, `ccm_page_token_valid{page_id="${PAGE_ID}"}`)).toBe(1);
    expect(value(after, `ccm_outbox_depth{page_id="${PAGE_ID}"}`)).toBeGreaterThanOrEqual(1); // the paused reply waits
    expect(value(after, 'ccm_queue_length')).toBe(1);
    expect(delta('ccm_processing_latency_seconds_count{channel="messenger"}')).toBe(2);
    expect(delta('ccm_bot_latency_seconds_count{connector="embedded",outcome="ok"}')).toBe(3);
    expect(value(after, 'ccm_process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
