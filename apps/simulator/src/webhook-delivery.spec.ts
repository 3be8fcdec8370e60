import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { signWebhookBody } from '@app/graph-double';
import { envelopeOf, WebhookDelivery } from './webhook-delivery';

describe('WebhookDelivery', () => {
  let server: Server;
  let url: string;
  const received: { body: string; signature: string }[] = [];
  let failNext = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-hub-signature-256']) });
        res.writeHead(failNext-- > 0 ? 500 : 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    received.length = 0;
    failNext = 0;
  });

  const item = (n: number) => ({
    pageId: 'p1',
    messaging: { sender: { id: 'u' }, recipient: { id: 'p1' }, timestamp: n, message: { mid: `m${n}`, text: `${n}` } },
  });
  const texts = () =>
    received.map((r) => (JSON.parse(r.body).entry as any[]).flatMap((e) => e.messaging.map((m: any) => m.message.text)).join(','));

  it('should batch items of one window into one signed POST, Page entries kept apart from changes', async () => {
    const delivery = new WebhookDelivery({ appSecret: 's3cret', webhookUrl: url, batchWindowMs: 20 });
    delivery.enqueue(item(1));
    delivery.enqueue(item(2));
    await delivery.drain();
    expect(received).toHaveLength(1);
    expect(received[0].signature).toBe(signWebhookBody(received[0].body, 's3cret'));
    expect(texts()).toEqual(['1,2']);
    const envelope = envelopeOf([item(3), { pageId: 'p1', change: { field: 'feed', value: {} } }, item(4)]);
    expect(envelope.entry.map((e) => Object.keys(e).filter((k) => k !== 'id' && k !== 'time'))).toEqual([['messaging'], ['changes']]);
  });

  it("should tell each item the outcome of the POST that carried it, after the receiver's retries", async () => {
    const delivery = new WebhookDelivery({ appSecret: 's', webhookUrl: url, batchWindowMs: 20, retryDelaysMs: [5] });
    const outcomes = Promise.all([delivery.enqueue(item(1)), delivery.enqueue(item(2))]);
    expect(await outcomes).toEqual([200, 200]);
    expect(received).toHaveLength(1); // one batch for both

    failNext = 2; // the first attempt and its one retry fail: the items learn the last status
    expect(await delivery.enqueue(item(3))).toBe(500);
    const nowhere = new WebhookDelivery({ appSecret: 's', batchWindowMs: 1 });
    expect(await nowhere.enqueue(item(4))).toBeUndefined(); // no webhook URL yet: nothing posted
  });

  it('should deliver a held-back batch after the next one, or on its own after maxHoldMs when none comes', async () => {
    const delivery = new WebhookDelivery({ appSecret: 's', webhookUrl: url, batchWindowMs: 1, maxHoldMs: 50, random: () => 0 });
    delivery.faults.reorderRate = 1;
    const started = Date.now();
    expect(await delivery.enqueue(item(1))).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(delivery.attempts).toEqual([expect.objectContaining({ items: 1, status: 200, reordered: true })]);
    expect(texts()).toEqual(['1']);
    expect(delivery.busy).toBe(false);
  });

  it('should retry a failing receiver and deliver duplicates and late batches when switched on', async () => {
    const delivery = new WebhookDelivery({ appSecret: 's', webhookUrl: url, batchWindowMs: 1, retryDelaysMs: [5, 5] });
    failNext = 1;
    delivery.enqueue(item(1));
    await delivery.drain();
    expect(delivery.attempts.map((a) => a.status)).toEqual([500, 200]);

    received.length = 0;
    delivery.faults.duplicateRate = 1;
    delivery.enqueue(item(2));
    await delivery.drain();
    expect(texts()).toEqual(['2', '2']);

    received.length = 0;
    delivery.faults.duplicateRate = 0;
    const coin = [0, 1]; // first batch held back, second not
    const reordering = new WebhookDelivery({ appSecret: 's', webhookUrl: url, batchWindowMs: 1, random: () => coin.shift() ?? 1 });
    reordering.faults.reorderRate = 0.5;
    reordering.enqueue(item(3));
    await new Promise((r) => setTimeout(r, 20));
    reordering.enqueue(item(4));
    await reordering.drain();
    expect(texts()).toEqual(['4', '3']);
  });
});
