import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, ServerOptions } from 'socket.io';

/**
 * Socket.IO over Redis pub/sub: an event emitted to a room on one ccm instance reaches the agent
 * desks connected to every instance. State stays in the database; Redis only carries the fan-out.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly logger = new Logger(RedisIoAdapter.name);
  private clients: Redis[] = [];
  private adapterConstructor?: ReturnType<typeof createAdapter>;

  constructor(app: INestApplicationContext) {
    super(app);
  }

  async connect(url: string): Promise<void> {
    // Auto-connecting clients with ioredis' own reconnect strategy; startup waits until both are ready.
    const pub = new Redis(url, { maxRetriesPerRequest: 3 });
    const sub = new Redis(url, { maxRetriesPerRequest: 3 });
    this.clients = [pub, sub];
    await Promise.all(this.clients.map((client) => ready(client, url)));
    this.adapterConstructor = createAdapter(pub, sub);
    this.logger.log('agent desk realtime fans out through Redis');
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options) as Server;
    if (this.adapterConstructor) server.adapter(this.adapterConstructor);
    return server;
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    // Sockets that were just closed still leave their rooms through Redis; let that finish before
    // the clients quit, or those last commands fail with "Connection is closed".
    await new Promise((resolve) => setTimeout(resolve, 200));
    await Promise.all(this.clients.map((c) => c.quit().catch(() => undefined)));
  }
}

function ready(client: Redis, url: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis at ${url.replace(/\/\/[^@]*@/, '//')} not ready within 10 s`)), 10_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
