import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isPrivateAddress } from './private-address';

export class MediaDownloadError extends Error {
  constructor(
    readonly reason: 'too_large' | 'content_type' | 'private_address' | 'scheme' | 'redirects' | 'http' | 'network',
    message: string,
  ) {
    super(message);
    this.name = 'MediaDownloadError';
  }
}

export interface DownloadRules {
  maxBytes: number;
  /** Hosts that may resolve to private addresses and be fetched over plain http (tests, local mode). */
  allowPrivateHosts: readonly string[];
  timeoutMs?: number;
  maxRedirects?: number;
}

export interface Downloaded {
  body: Buffer;
  contentType: string;
}

/** What a declared attachment type may be served as. `file`: anything but active web content. */
export function contentTypeFits(attachmentType: string, contentType: string): boolean {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (!/^[a-z]+\/[a-z0-9.+-]+$/.test(type)) return false;
  if (attachmentType === 'image' || attachmentType === 'sticker') return type.startsWith('image/');
  if (attachmentType === 'video') return type.startsWith('video/');
  if (attachmentType === 'audio') return type.startsWith('audio/');
  return !['text/html', 'application/xhtml+xml', 'image/svg+xml', 'text/javascript', 'application/javascript'].includes(type);
}

/**
 * Downloads one attachment safely: http(s) only (plain http only for allow-listed hosts), every
 * address the host resolves to is checked at connect time (no private/loopback targets, also after
 * DNS rebinding), redirects are followed by hand (at most 3, each checked the same way), the body is
 * cut off past `maxBytes` (also when Content-Length lies), and the Content-Type must fit the
 * attachment's declared type.
 */
export async function downloadMedia(url: string, attachmentType: string, rules: DownloadRules): Promise<Downloaded> {
  let current = url;
  for (let hop = 0; hop <= (rules.maxRedirects ?? 3); hop++) {
    const response = await request(current, rules);
    if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && response.headers.location) {
      response.resume();
      current = new URL(response.headers.location, current).toString();
      continue;
    }
    if (response.statusCode !== 200) {
      response.resume();
      throw new MediaDownloadError('http', `${new URL(current).host} answered HTTP ${response.statusCode}`);
    }
    const contentType = String(response.headers['content-type'] ?? 'application/octet-stream');
    if (!contentTypeFits(attachmentType, contentType)) {
      response.resume();
      throw new MediaDownloadError('content_type', `content type ${contentType} does not fit a ${attachmentType} attachment`);
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > rules.maxBytes) {
      response.destroy();
      throw new MediaDownloadError('too_large', `${declared} bytes is over the limit of ${rules.maxBytes}`);
    }
    return { body: await readCapped(response, rules.maxBytes), contentType };
  }
  throw new MediaDownloadError('redirects', `more than ${rules.maxRedirects ?? 3} redirects`);
}

function request(url: string, rules: DownloadRules, method: 'GET' | 'HEAD' = 'GET'): Promise<IncomingMessage> {
  const target = new URL(url);
  const allowed = rules.allowPrivateHosts.includes(target.hostname);
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && allowed)) {
    return Promise.reject(new MediaDownloadError('scheme', `${target.protocol} URLs are not fetched (https only)`));
  }
  // An address literal never goes through the lookup below: check it here.
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && isPrivateAddress(literal) && !allowed) {
    return Promise.reject(new MediaDownloadError('private_address', `${literal} is a private address`));
  }
  // Checked when the socket connects, on the address actually used (not on a separate DNS answer).
  const lookup = (
    hostname: string,
    options: object,
    callback: (e: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) =>
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isPrivateAddress(a.address));
      if (bad && !allowed)
        return callback(new MediaDownloadError('private_address', `${hostname} resolves to a private address (${bad.address})`), []);
      const wantsAll = (options as { all?: boolean }).all;
      return wantsAll ? callback(null, list) : callback(null, list[0].address, list[0].family);
    });
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, lookup: lookup as never, timeout: rules.timeoutMs ?? 15_000 }, resolve);
    req.end();
    req.on('timeout', () => req.destroy(new MediaDownloadError('network', `timed out after ${rules.timeoutMs ?? 15_000} ms`)));
    req.on('error', (error) => reject(error instanceof MediaDownloadError ? error : new MediaDownloadError('network', error.message)));
  });
}

function readCapped(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new MediaDownloadError('too_large', `over the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', (error) => reject(new MediaDownloadError('network', error.message)));
  });
}

/** Meta's limits for media it fetches by URL (fact sheet §4.3): images 8 MB, any other asset 25 MB. */
export const OUTBOUND_MEDIA_MAX_BYTES: Record<string, number> = {
  image: 8 * 1024 * 1024,
  video: 25 * 1024 * 1024,
  audio: 25 * 1024 * 1024,
  file: 25 * 1024 * 1024,
};

/**
 * Before media goes out by URL: a `HEAD` (same safety rules as downloads, 5 s) and the size Meta would
 * refuse. Returns the problem, or undefined when the size is fine or cannot be told (Meta decides then).
 */
export async function outboundMediaProblem(
  url: string,
  mediaType: string,
  allowPrivateHosts: readonly string[],
): Promise<string | undefined> {
  const max = OUTBOUND_MEDIA_MAX_BYTES[mediaType] ?? OUTBOUND_MEDIA_MAX_BYTES.file;
  let current = url;
  try {
    for (let hop = 0; hop <= 3; hop++) {
      const response = await request(current, { maxBytes: max, allowPrivateHosts, timeoutMs: 5000 }, 'HEAD');
      response.resume();
      if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && response.headers.location) {
        current = new URL(response.headers.location, current).toString();
        continue;
      }
      const size = Number(response.headers['content-length']);
      if (response.statusCode === 200 && Number.isFinite(size) && size > max)
        return `the ${mediaType} is ${size} bytes; Meta accepts at most ${max} bytes for a ${mediaType} sent by URL`;
      return undefined;
    }
  } catch (error) {
    if (error instanceof MediaDownloadError && error.reason === 'private_address') return error.message;
  }
  return undefined;
}
