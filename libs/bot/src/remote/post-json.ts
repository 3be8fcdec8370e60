import { BotCallError } from './bot-call.error';

/** Bodies larger than this are not a chat answer; refuse them instead of buffering them. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * POSTs JSON and returns the parsed JSON answer. Any non-2xx, a body that is not JSON, a network
 * error or the caller's deadline (`signal`) becomes a `BotCallError` saying which.
 */
export async function postJson(
  connector: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body,
      signal,
    });
  } catch (error) {
    throw failure(connector, url, error, signal);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw failure(connector, url, error, signal);
  }
  if (!response.ok) throw new BotCallError(connector, 'http_status', `${pathOf(url)} answered HTTP ${response.status}`);
  if (Buffer.byteLength(text) > MAX_RESPONSE_BYTES)
    throw new BotCallError(connector, 'bad_response', `${pathOf(url)} answered more than ${MAX_RESPONSE_BYTES} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BotCallError(
      connector,
      'bad_response',
      `${pathOf(url)} answered something that is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
}

function failure(connector: string, url: string, error: unknown, signal: AbortSignal): BotCallError {
  if (signal.aborted) return new BotCallError(connector, 'timeout', `${pathOf(url)} did not answer in time`);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new BotCallError(
    connector,
    'unreachable',
    `${pathOf(url)} unreachable (${error instanceof Error ? error.message : String(error)}${cause})`,
  );
}

/** The URL without query (a Rasa token travels in the query) for log lines. */
function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
