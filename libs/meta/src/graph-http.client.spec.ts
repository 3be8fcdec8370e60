import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { GraphHttpClient, GraphHttpStatusError, graphOrigin } from './graph-http.client';

describe('GraphHttpClient', () => {
  let server: Server;
  let base: string;
  const client = new GraphHttpClient();
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url?.startsWith('/slow')) return; // never answers
        if (req.url?.startsWith('/error')) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad', code: 100 } }));
          return;
        }
        if (req.url?.startsWith('/empty')) return void res.writeHead(200).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, echo: body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('should send JSON with the given headers and query, and resolve with the parsed answer', async () => {
    const url = new URL(`${base}/v21.0/me/messages?fields=a,b`);
    const data = await client.request<{ ok: boolean; echo: string }>({
      method: 'POST',
      url,
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: { recipient: { id: '1' } },
      timeoutMs: 2000,
    });
    expect(data).toEqual({ ok: true, echo: '{"recipient":{"id":"1"}}' });
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ method: 'POST', url: '/v21.0/me/messages?fields=a,b' });
    expect(last.headers.authorization).toBe('Bearer t');
    expect(last.headers['content-length']).toBe(String(Buffer.byteLength(last.body)));
  });

  it('should send to a parsed origin and a path after its base path, as to the same URL', async () => {
    const origin = graphOrigin(`${base}/v21.0/`);
    expect(origin).toMatchObject({ secure: false, hostname: '127.0.0.1', basePath: '/v21.0' });
    const data = await client.request<{ ok: boolean }>({
      method: 'POST',
      url: { origin, path: '/me/messages?appsecret_proof=abc' },
      headers: { 'content-type': 'application/json' },
      body: { recipient: { id: '2' } },
      timeoutMs: 2000,
    });
    expect(data).toMatchObject({ ok: true });
    expect(seen[seen.length - 1]).toMatchObject({ method: 'POST', url: '/v21.0/me/messages?appsecret_proof=abc' });
  });

  it("should reject a non-2xx answer with Meta's error body, and an empty 2xx body as ''", async () => {
    const error = await client
      .request({ method: 'GET', url: new URL(`${base}/error`), headers: {}, timeoutMs: 2000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphHttpStatusError);
    expect(error).toMatchObject({ status: 400, data: { error: { message: 'bad', code: 100 } } });
    expect(await client.request({ method: 'DELETE', url: new URL(`${base}/empty`), headers: {}, timeoutMs: 2000 })).toBe('');
  });

  it('should give up after the timeout', async () => {
    await expect(client.request({ method: 'GET', url: new URL(`${base}/slow`), headers: {}, timeoutMs: 100 })).rejects.toThrow(
      'timeout of 100ms exceeded',
    );
  });
});
