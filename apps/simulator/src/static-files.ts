import { existsSync, readFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The page's files: `apps/simulator/public`, found from the source tree or from `dist/` (both sit in the repo). */
function publicDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'apps', 'simulator', 'public');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return join(__dirname, '..', 'public');
}

const ROOT = publicDir();
const FILES: Record<string, string> = { '/': 'index.html', '/index.html': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css' };

/**
 * Serves the customer page. The Content-Security-Policy allows scripts and styles only from this
 * origin (no inline code), images also as data:/blob: (previews) and from http(s) (images the Page sends).
 */
export function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (path === '/favicon.ico') {
    res.writeHead(204).end();
    return true;
  }
  const file = FILES[path];
  if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const data = readFileSync(join(ROOT, file));
  res.writeHead(200, {
    'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream',
    'content-length': data.length,
    'cache-control': 'no-cache',
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http: https:; media-src 'self' http: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : data);
  return true;
}
