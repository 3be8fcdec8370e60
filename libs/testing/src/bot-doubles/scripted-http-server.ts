import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/** How a double misbehaves: `error` answers HTTP 500, `hang` never answers (until stopped). */
export type DoubleFault = 'error' | 'hang' | null;

export interface RecordedBotRequest {
  path: string;
  /** The query string's parameters (Rasa's `token`). */
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: string;
  body: unknown;
  at: number;
}

/**
 * A small real HTTP server for bot doubles: records every request, can be told to fail or hang, and
 * can be stopped and started again on the same port (a bot that goes down and comes back).
 */
export abstract class ScriptedHttpServer {
  readonly requests: RecordedBotRequest[] = [];
  fault: DoubleFault = null;
  /** How long to think before answering a request (0: at once), e.g. a slow bot turn now and then. */
  latency: (request: RecordedBotRequest) => number = () => 0;
  private server?: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => void this.receive(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Closes the port and every open connection (including hanging requests): connections are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected abstract answer(path: string, body: unknown, request: RecordedBotRequest): { status: number; body: unknown };

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', this.origin);
    const request: RecordedBotRequest = { path: url.pathname, query: url.searchParams, headers: req.headers, raw, body, at: Date.now() };
    this.requests.push(request);
    if (this.fault === 'hang') return; // never answered: the caller's deadline must fire
    if (this.fault === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"injected failure"}');
      return;
    }
    const delayMs = this.latency(request);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const { status, body: answer } = this.answer(request.path, body, request);
    res.writeHead(status, { 'content-type': 'application/json' }).end(typeof answer === 'string' ? answer : JSON.stringify(answer));
  }
}
