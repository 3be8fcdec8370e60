import { Module } from '@nestjs/common';
import { ChannelAdapter, ChannelWebhookMapping, CHANNELS, Extends, WebhookEntry } from '@app/core';
import { CHANNEL_MODULES } from '../../apps/ccm/src/channel-modules';
import { CcmHarness, startCcm } from '../helpers/ccm-harness';

const BROKEN_OBJECT = 'broken-test-object';

/** A channel whose webhook mapper has a bug: it throws, where a mapper must report bad input instead. */
@Extends(CHANNELS)
class BrokenMapperChannel implements ChannelAdapter {
  readonly channel = 'broken-test';
  readonly descriptor = {
    id: 'broken-test',
    displayName: 'Broken mapper (test)',
    docsUrl: 'https://example.invalid/',
    capabilities: { richTemplates: false, typingIndicators: false, readReceipts: false, actions: [] },
  };
  readonly webhook = {
    objects: [BROKEN_OBJECT],
    claims: (): boolean => true,
    map: async (_object: string, _entries: readonly WebhookEntry[]): Promise<ChannelWebhookMapping> => {
      throw new TypeError('mapper bug while reading token EAAsecret-token');
    },
  };

  async send(): Promise<{ mid?: string }> {
    return {};
  }
}

@Module({ providers: [BrokenMapperChannel] })
class BrokenMapperChannelModule {}

/** An unexpected error behind the webhook fast path is answered and logged as the global exception filter does. */
describe('webhook fast path: unexpected errors', () => {
  let h: CcmHarness;
  const logs: string[] = [];
  beforeAll(async () => {
    h = await startCcm({ channelModules: [...CHANNEL_MODULES, BrokenMapperChannelModule], captureLogs: logs });
  });
  afterAll(() => h.close());

  it('should answer a 500 naming a new error id, never the error, and log the error under that id', async () => {
    const body = { object: BROKEN_OBJECT, entry: [{ id: '1', time: 1 }] };
    const first = await h.simulator.post(body);
    const second = await h.simulator.post(body);

    expect(first.status).toBe(500);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.headers.get('x-request-id')).toBeTruthy();
    const answer = (await first.json()) as { errorId: string };
    expect(answer).toEqual({ statusCode: 500, message: 'Internal server error', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(JSON.stringify(answer)).not.toContain('EAAsecret');
    expect(((await second.json()) as { errorId: string }).errorId).not.toBe(answer.errorId);

    const line = logs.find((l) => l.includes(answer.errorId));
    expect(line).toContain('POST /ccm/webhook');
    expect(line).toContain('mapper bug while reading');
  });
});
