import { Agent as HttpAgent, IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Connections to Meta are kept open and reused (no TCP/TLS handshake per call). */
const KEEP_ALIVE = { keepAlive: true, maxSockets: 128, maxFreeSockets: 32, timeout: 60_000 };

/** Where Graph calls go, parsed once: a `URL` per call cost more CPU than the rest of building it. */
export interface GraphOrigin {
  secure: boolean;
  hostname: string;
  port: string;
  /** The path of the base URL (e.g. `/v25.0`), without a trailing slash; calls' paths follow it. */
  basePath: string;
}

export function graphOrigin(baseUrl: string): GraphOrigin {
  const url = new URL(baseUrl);
  return {
    secure: url.protocol === 'https:',
    // node:http wants an IPv6 address without its URL brackets.
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port,
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

export interface GraphHttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Absolute URL, query string included; or a parsed origin and the path after it (query string included, already encoded). */
  url: URL | { origin: GraphOrigin; path: string };
  headers: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, instead of `body` (e.g. a multipart upload; its content-type is in `headers`). */
  rawBody?: Buffer;
  timeoutMs: number;
}

/** Meta answered, with a status outside 2xx; `data` is its parsed JSON body (or the text). */
export class GraphHttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly data: unknown,
  ) {
    super(`Request failed with status code ${status}`);
    this.name = 'GraphHttpStatusError';
  }
}

/**
 * The Graph API's HTTP transport: one JSON request on a kept-alive connection, nothing else. The
 * gateway made every call through axios + rxjs before, which cost more CPU per call (config merging,
 * interceptors, redirect following, an Observable per call) than sending it; Graph calls are plain
 * JSON over HTTPS and need none of that. Resolves with the parsed JSON body of a 2xx answer; rejects
 * with GraphHttpStatusError for any other status, or with the transport's error (reset, refused,
 * timeout).
 */
export class GraphHttpClient {
  private readonly http = new HttpAgent(KEEP_ALIVE);
  private readonly https = new HttpsAgent(KEEP_ALIVE);

  request<T>(call: GraphHttpRequest): Promise<T> {
    const payload = call.rawBody ?? (call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body)));
    const { url } = call;
    const target = url instanceof URL ? undefined : url;
    const secure = target ? target.origin.secure : (url as URL).protocol === 'https:';
    const options: RequestOptions = {
      method: call.method,
      agent: secure ? this.https : this.http,
      headers: {
        accept: 'application/json',
        ...call.headers,
        ...(payload ? { 'content-length': payload.length } : {}),
      },
      ...(target ? { hostname: target.origin.hostname, port: target.origin.port, path: `${target.origin.basePath}${target.path}` } : {}),
    };
    return new Promise<T>((resolve, reject) => {
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const data = parse(Buffer.concat(chunks).toString('utf8'));
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(data as T);
          else reject(new GraphHttpStatusError(status, data));
        });
      };
      const send = secure ? httpsRequest : httpRequest;
      const req = target ? send(options, onResponse) : send(url as URL, options, onResponse);
      req.setTimeout(call.timeoutMs, () => req.destroy(new Error(`timeout of ${call.timeoutMs}ms exceeded`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Closes the kept-alive connections (shutdown). */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** JSON when it is JSON (Meta always answers JSON), else the text as is (also an empty body). */
function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
