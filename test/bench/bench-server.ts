/**
 * The server side of `npm run bench`, run as its own process pinned to one core by the orchestrator
 * (`taskset -c 0`). `raw`: the floor any correct receiver pays — a bare node:http server that checks
 * X-Hub-Signature-256 over the raw bytes, parses the JSON and answers 200, storing nothing. `ccm`: the
 * real application (createApp, the production Fastify adapter) configured from the environment.
 *
 * Prints `READY <url>` once listening. Answers IPC requests from the orchestrator:
 * `{ id, cmd: 'stats', gc }` → memory and CPU of this process (after a full GC when asked).
 */
import 'reflect-metadata';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ServerStats {
  rss: number;
  heapUsed: number;
  /** CPU time of this process so far, µs (user + system). */
  cpuMicros: number;
}

async function raw(secret: string): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? '').replace('sha256=', ''), 'hex');
      const expected = createHmac('sha256', secret).update(body).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(403).end();
        return;
      }
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('EVENT_RECEIVED');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function ccm(): Promise<string> {
  // Loaded lazily so the raw server's process carries none of the application's code.
  const { loadAppConfig } = await import('../../apps/ccm/src/app-config');
  const { createApp } = await import('../../apps/ccm/src/create-app');
  const config = loadAppConfig({ ...process.env });
  const app = await createApp(config, ['error', 'warn']);
  await app.listen(0, '127.0.0.1');
  // After listen: listening bootstraps the app, which starts the loops.
  if (process.env.BENCH_PROCESSING === 'off') {
    // Intake alone: the journal fills and nothing processes it, to show what intake itself costs.
    const { InboundProcessor } = await import('@app/conversations');
    await app.get(InboundProcessor).onApplicationShutdown();
  }

  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

function stats(gc: boolean): ServerStats {
  if (gc) global.gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rss: memory.rss, heapUsed: memory.heapUsed, cpuMicros: cpu.user + cpu.system };
}

async function main(): Promise<void> {
  const role = process.argv[2];
  const url = role === 'raw' ? await raw(process.env.FACEBOOK_APP_SECRET ?? '') : await ccm();
  process.on('message', (message: { id: number; cmd: string; gc?: boolean }) => {
    if (message.cmd === 'stats') process.send?.({ id: message.id, result: stats(Boolean(message.gc)) });
  });
  process.on('disconnect', () => process.exit(0));
  // A normal exit, so a --cpu-prof profile is written.
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write(`READY ${url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
