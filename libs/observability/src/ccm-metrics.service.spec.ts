import { CcmMetrics, handoverReasonLabel, webhookOutcomeOf } from './ccm-metrics.service';

describe('CcmMetrics', () => {
  it('should map hand-over sentences to a small fixed set of labels', () => {
    expect(handoverReasonLabel('customer asked for a person')).toBe('customer_request');
    expect(handoverReasonLabel('bot requested hand-over (intent refund)')).toBe('bot_request');
    expect(handoverReasonLabel('low confidence 0.20 < 0.60 (2 turns in a row)')).toBe('low_confidence');
    expect(handoverReasonLabel('AGENT_ONLY: every conversation goes to an agent')).toBe('policy');
    expect(handoverReasonLabel('bot failed: no answer within 5000 ms')).toBe('bot_failure');
    expect(handoverReasonLabel('something new')).toBe('other');
  });

  it('should map webhook statuses to outcomes', () => {
    expect([200, 403, 413, 400, 404, 503, 500].map(webhookOutcomeOf)).toEqual([
      'accepted',
      'bad_signature',
      'too_large',
      'malformed',
      'malformed',
      'unavailable',
      'unavailable',
    ]);
  });

  it('should time a conversation from its first unanswered message to the first reply sent, once', async () => {
    const metrics = new CcmMetrics();
    const key = { channel: 'messenger', pageId: 'p', customerId: 'c' };
    metrics.eventsReceived([{ ...key, kind: 'message' }], 0, 1_000);
    metrics.eventsReceived([{ ...key, kind: 'message' }], 1, 1_500); // a second message does not restart the clock
    metrics.replySent(key, 3_000);
    metrics.replySent(key, 4_000); // a second reply is not a new measurement
    const text = await metrics.scrape();
    expect(text).toContain('ccm_processing_latency_seconds_sum{channel="messenger"} 2');
    expect(text).toContain('ccm_processing_latency_seconds_count{channel="messenger"} 1');
    expect(text).toContain('ccm_webhook_duplicates_total 1');
    expect(text).toContain('ccm_webhook_events_total{channel="messenger",kind="message"} 2');
  });

  it('should count webhook requests and events by their labels at every scrape, each once', async () => {
    const metrics = new CcmMetrics();
    metrics.webhookRequest('accepted');
    metrics.webhookRequest('accepted');
    metrics.webhookRequest('bad_signature');
    metrics.eventsReceived(
      [
        { channel: 'messenger', pageId: 'p', customerId: 'c', kind: 'message' },
        { channel: 'messenger', pageId: 'p', customerId: 'c', kind: 'read' },
        { channel: 'instagram', pageId: 'p', customerId: 'd', kind: 'message' },
      ],
      0,
    );
    let text = await metrics.scrape();
    expect(text).toContain('ccm_webhook_requests_total{outcome="accepted"} 2');
    expect(text).toContain('ccm_webhook_requests_total{outcome="bad_signature"} 1');
    expect(text).toContain('ccm_webhook_events_total{channel="messenger",kind="message"} 1');
    expect(text).toContain('ccm_webhook_events_total{channel="messenger",kind="read"} 1');
    expect(text).toContain('ccm_webhook_events_total{channel="instagram",kind="message"} 1');
    metrics.webhookRequest('accepted');
    text = await metrics.scrape(); // counted since the last scrape are added once, the earlier ones not again
    expect(text).toContain('ccm_webhook_requests_total{outcome="accepted"} 3');
    expect(text).toContain('ccm_webhook_requests_total{outcome="bad_signature"} 1');
    expect(text).toContain('ccm_webhook_events_total{channel="messenger",kind="message"} 1');
  });

  it('should count a failed collector and still answer the scrape', async () => {
    const metrics = new CcmMetrics();
    metrics.addCollector(() => Promise.reject(new Error('database away')));
    expect(await metrics.scrape()).toContain('ccm_metrics_collect_errors_total 1');
  });
});
