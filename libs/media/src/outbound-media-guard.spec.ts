import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadCcmConfig } from '@app/config';
import { DeliveryError } from '@app/core';
import { FakeClock } from '@app/testing';
import { OUTBOUND_MEDIA_VERDICTS_MAX, OutboundMediaGuard } from './outbound-media-guard';

describe('OutboundMediaGuard', () => {
  let server: Server;
  let base: string;
  /** HEAD requests the media host got, by path. */
  let heads: Map<string, number>;
  let clock: FakeClock;
  let guard: OutboundMediaGuard;

  beforeEach(async () => {
    heads = new Map();
    server = createServer((req, res) => {
      heads.set(req.url!, (heads.get(req.url!) ?? 0) + 1);
      // /big/… is over Meta's 8 MB image limit; anything else is small.
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': req.url!.startsWith('/big/') ? 9_000_000 : 100 }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    clock = new FakeClock();
    const config = loadCcmConfig({
      FACEBOOK_APP_SECRET: 'secret-for-tests',
      FACEBOOK_VERIFY_TOKEN: 'verify',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'token',
      MEDIA_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    });
    guard = new OutboundMediaGuard(config, clock);
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const image = (path: string) => guard.check({ kind: 'media', mediaType: 'image', url: `${base}${path}` });

  it('refuses an image over the limit and asks the host once per URL within the hour', async () => {
    await expect(image('/big/a.png')).rejects.toThrow(DeliveryError);
    await expect(image('/big/a.png')).rejects.toThrow(/9000000 bytes/);
    await image('/small/a.png');
    expect(heads.get('/big/a.png')).toBe(1);
    clock.advance(60 * 60 * 1000 + 1);
    await expect(image('/big/a.png')).rejects.toThrow(DeliveryError);
    expect(heads.get('/big/a.png')).toBe(2);
  });

  it('forgets verdicts older than the hour instead of keeping every URL ever sent', async () => {
    for (let i = 0; i < 20; i++) await image(`/small/${i}.png`);
    expect(guard.remembered).toBe(20);
    clock.advance(60 * 60 * 1000 + 1);
    await image('/small/new.png');
    expect(guard.remembered).toBe(1);
  });

  it('keeps at most OUTBOUND_MEDIA_VERDICTS_MAX verdicts, dropping the oldest', async () => {
    for (let i = 0; i < OUTBOUND_MEDIA_VERDICTS_MAX + 10; i++) {
      clock.advance(1);
      await image(`/small/${i}.png`);
    }
    expect(guard.remembered).toBe(OUTBOUND_MEDIA_VERDICTS_MAX);
    // The newest is still known (no new HEAD); the oldest was dropped and is asked again.
    await image(`/small/${OUTBOUND_MEDIA_VERDICTS_MAX + 9}.png`);
    expect(heads.get(`/small/${OUTBOUND_MEDIA_VERDICTS_MAX + 9}.png`)).toBe(1);
    await image('/small/0.png');
    expect(heads.get('/small/0.png')).toBe(2);
  });
});
