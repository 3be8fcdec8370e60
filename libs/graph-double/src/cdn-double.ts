import { ServerResponse } from 'node:http';

interface CdnFile {
  body: Buffer;
  contentType: string;
  expired: boolean;
  /** Answer with a redirect to this URL instead of the file. */
  redirectTo?: string;
}

/**
 * Meta's attachment CDN as the Graph API double plays it (`GET /cdn/{name}` on the double's origin, no
 * token, like `scontent.xx.fbcdn.net` links): serves registered files with their content type until a
 * test expires them — then 403 "URL signature expired", as Meta's CDN answers an old link. Can also
 * redirect (for the media store's redirect rules).
 */
export class CdnDouble {
  private readonly files = new Map<string, CdnFile>();
  private origin = '';

  setOrigin(origin: string): void {
    this.origin = origin;
  }

  /** Registers a file; returns its URL. */
  put(name: string, body: Buffer, contentType: string): string {
    this.files.set(name, { body, contentType, expired: false });
    return this.urlOf(name);
  }

  redirect(name: string, to: string): string {
    this.files.set(name, { body: Buffer.alloc(0), contentType: 'text/plain', expired: false, redirectTo: to });
    return this.urlOf(name);
  }

  expire(name: string): void {
    const file = this.files.get(name);
    if (file) file.expired = true;
  }

  urlOf(name: string): string {
    return `${this.origin}/cdn/${encodeURIComponent(name)}`;
  }

  serve(pathname: string, res: ServerResponse): void {
    const file = this.files.get(decodeURIComponent(pathname.slice('/cdn/'.length)));
    if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    if (file.expired) return void res.writeHead(403, { 'content-type': 'text/plain' }).end('URL signature expired');
    if (file.redirectTo) return void res.writeHead(302, { location: file.redirectTo }).end();
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length });
    res.end(file.body);
  }
}
