import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { BridgeEvent, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyBridgeSignature } from '@app/chat-server-bridge';

/** A stand-in external chat server: receives ccm's bridge webhooks, checks signatures, can be stopped and restarted on its port. */
export class ChatServerReceiver {
  readonly events: BridgeEvent[] = [];
  readonly badSignatures: string[] = [];
  /** Events answered with an error status by `answerWith` (once per attempt). */
  readonly refused: BridgeEvent[] = [];
  /** The status to answer an event with (default 204); an error status means it is not received. */
  answerWith?: (event: BridgeEvent) => number;
  private server?: Server;
  private port = 0;

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/ccm-events`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const header = (name: string) => req.headers[name] as string | undefined;
        if (!verifyBridgeSignature(this.secret, header(TIMESTAMP_HEADER), raw, header(SIGNATURE_HEADER))) {
          this.badSignatures.push(raw);
          res.writeHead(401).end();
          return;
        }
        const event = JSON.parse(raw) as BridgeEvent;
        if (event.id !== header(EVENT_ID_HEADER)) throw new Error('event id header mismatch');
        const status = this.answerWith?.(event) ?? 204;
        if (status >= 300) {
          this.refused.push(event);
          res.writeHead(status).end();
          return;
        }
        // At-least-once delivery: a receiver deduplicates on the event id.
        if (!this.events.some((e) => e.id === event.id)) this.events.push(event);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
