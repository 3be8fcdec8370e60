import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Why the server cut a request off (set from the HTTP server's `clientError`, read by the request log line). */
const cutOff = new WeakMap<IncomingMessage, string>();
/** The request a connection is carrying right now (one at a time: ccm answers no pipelined requests in parallel). */
const current = new WeakMap<Socket, IncomingMessage>();

/**
 * Requests that end without an answer because of the connection, not the app: the client went away
 * mid-request, or the server cut it off (REQUEST_TIMEOUT_MS, malformed HTTP). Each is ONE warning
 * line: the request's own log line when the request got as far as routing (see `pinoHttpOptions`),
 * else one line from here. Never an error with a stack trace: nothing is wrong with ccm.
 */
export function observeClientErrors(server: Server, warn: (message: string) => void): void {
  // Before Fastify's own handler, which answers and destroys the socket (and its remote address).
  server.prependListener('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const request = current.get(socket);
    const reason = clientErrorReason(error, server.requestTimeout);
    if (request) {
      cutOff.set(request, reason); // its request line (written when the connection closes) says it
      return;
    }
    // A connection that closes before sending a request is not worth a line (probes, idle keep-alive).
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'HPE_INVALID_EOF_STATE') return;
    warn(`connection from ${socket.remoteAddress ?? 'unknown address'}: ${reason}; closed`);
  });
}

/** Remembers which request a connection carries (call from an `onRequest` hook), until it is answered or closed. */
export function trackRequestConnection(request: IncomingMessage, response: ServerResponse): void {
  const socket = request.socket as Socket | null;
  if (!socket) return;
  current.set(socket, request);
  response.once('close', () => {
    if (current.get(socket) === request) current.delete(socket);
  });
}

/**
 * The one-line account of a request that got no answer, or undefined when it was answered. The
 * request line of such a request is a warning, whatever status code Node had prepared.
 */
export function unansweredReason(request: IncomingMessage, response: { writableEnded: boolean }): string | undefined {
  if (response.writableEnded) return undefined;
  return cutOff.get(request) ?? 'client went away before the answer (aborted request)';
}

function clientErrorReason(error: NodeJS.ErrnoException, requestTimeoutMs: number): string {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return `request not complete within REQUEST_TIMEOUT_MS (${requestTimeoutMs} ms): answered 408`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'HPE_INVALID_EOF_STATE': // the connection ended before the announced body did
      return 'client went away mid-request (aborted request)';
    case 'HPE_HEADER_OVERFLOW':
      return 'request headers too large: answered 431';
    default:
      return `malformed HTTP request (${error.code ?? error.message}): answered 400`;
  }
}
