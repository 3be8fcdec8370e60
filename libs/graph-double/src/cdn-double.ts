import { ServerResponse } from 'node:http';

interface CdnFile {
  body: Buffer;
  contentType: string;
  expired: boolean;
  /** Epoch ms after which the link answers 403, like the `oe` expiry of Meta's signed CDN links. */
  expiresAt?: number;
  /** Answer with a redirect to this URL instead of the file. */
  redirectTo?: string;
  /** While set, requests for the file wait (connection open) until `release`. */
  held?: { promise: Promise<void>; release: () => void };
  hits: number;
}

/**
 * Meta's attachment CDN as the Graph API double plays it (`GET /cdn/{name}` on the double's origin, no
 * token, like `scontent.xx.fbcdn.net` links): serves registered files with their content type until
 * they expire — a test expires them (`expire`), or a file put with a lifetime carries its expiry in the
 * link (`?oe=<hex epoch seconds>`, as Meta's do) and turns into 403 "URL signature expired" after it.
 * Can also redirect (for the media store's redirect rules) and hold a request open (to interrupt a
 * download by killing its process).
 */
export class CdnDouble {
  private readonly files = new Map<string, CdnFile>();
  private origin = '';

  setOrigin(origin: string): void {
    this.origin = origin;
  }

  /** Registers a file; returns its URL (with `?oe=` when it expires after `lifetimeMs`). */
  put(name: string, body: Buffer, contentType: string, options: { lifetimeMs?: number } = {}): string {
    const expiresAt = options.lifetimeMs === undefined ? undefined : Date.now() + options.lifetimeMs;
    this.files.set(name, { body, contentType, expired: false, expiresAt, hits: 0 });
    return this.urlOf(name);
  }

  redirect(name: string, to: string): string {
    this.files.set(name, { body: Buffer.alloc(0), contentType: 'text/plain', expired: false, redirectTo: to, hits: 0 });
    return this.urlOf(name);
  }

  expire(name: string): void {
    const file = this.files.get(name);
    if (file) file.expired = true;
  }

  /** Requests for the file wait without an answer until `release(name)`. */
  hold(name: string): void {
    const file = this.files.get(name);
    if (!file || file.held) return;
    let release = () => undefined as void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    file.held = { promise, release };
  }

  release(name: string): void {
    const file = this.files.get(name);
    file?.held?.release();
    if (file) file.held = undefined;
  }

  /** How many requests the file got. */
  hits(name: string): number {
    return this.files.get(name)?.hits ?? 0;
  }

  urlOf(name: string): string {
    const expiresAt = this.files.get(name)?.expiresAt;
    const oe =
      expiresAt === undefined
        ? ''
        : `?oe=${Math.floor(expiresAt / 1000)
            .toString(16)
            .toUpperCase()}`;
    // Each path segment on its own, so a file put as `{id}/{file name}` shows its name as the link's last segment.
    return `${this.origin}/cdn/${name.split('/').map(encodeURIComponent).join('/')}${oe}`;
  }

  serve(pathname: string, res: ServerResponse): void {
    const file = this.files.get(decodeURIComponent(pathname.slice('/cdn/'.length)));
    if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    file.hits += 1;
    void (file.held?.promise ?? Promise.resolve()).then(() => {
      if (res.destroyed) return;
      if (file.expired || (file.expiresAt !== undefined && Date.now() > file.expiresAt))
        return void res.writeHead(403, { 'content-type': 'text/plain' }).end('URL signature expired');
      if (file.redirectTo) return void res.writeHead(302, { location: file.redirectTo }).end();
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length });
      res.end(file.body);
    });
  }
}
