import { connect } from 'node:net';
import { ADMIN_KEY, AGENT_PASSWORD, callApi, createAgent } from '../helpers/agent-desk-client';
import { CcmHarness, eventually, startCcm } from '../helpers/ccm-harness';

/** How long to wait for something that is sure to happen (a bound for busy machines, not a sleep). */
const WAIT_MS = 10_000;

interface LogLine {
  level: string;
  msg: string;
  reqId?: string;
  context?: string;
  req?: { url?: string };
}

/**
 * Writes `text` on a raw TCP connection; resolves with everything the server sent once the connection
 * closes. The client goes away (destroys the socket) when `abortWhen` resolves, or with `abortOnContinue`
 * as soon as the server answers `100 Continue` (it has taken the request in and is reading its body).
 */
function rawRequest(
  port: number,
  text: string,
  options: { abortWhen?: Promise<unknown>; abortOnContinue?: boolean; trickle?: string } = {},
): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    let trickle: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      // Slow loris: one more byte now and then, never the end of the headers or of the announced body.
      if (options.trickle) trickle = setInterval(() => socket.writable && socket.write(options.trickle!), 100);
      void options.abortWhen?.then(() => socket.destroy());
    });
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (options.abortOnContinue && received.startsWith('HTTP/1.1 100 Continue')) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(trickle);
      resolve(received);
    });
  });
}

describe('aborted and slow requests: one warning line each, never an error', () => {
  let h: CcmHarness;
  let port: number;
  const lines: string[] = [];
  const logs = () => lines.map((l) => JSON.parse(l) as LogLine);
  const requestLines = (url: string) => logs().filter((l) => l.req?.url === url);

  beforeAll(async () => {
    h = await startCcm({ jsonLogs: lines, env: { ADMIN_API_KEY: ADMIN_KEY, REQUEST_TIMEOUT_MS: '1000' } });
    port = Number(new URL(h.url).port);
  });
  afterAll(() => h.close());

  /**
   * Everything the server will log about earlier requests is out once a later request's own line is:
   * a request on a fresh connection, answered and logged after the earlier one's handling ended.
   */
  async function barrier(): Promise<void> {
    const marker = `/api/nope-${Math.random().toString(36).slice(2)}`;
    await fetch(`${h.url}${marker}`);
    await eventually(async () => requestLines(marker).length === 1, WAIT_MS);
  }

  it('should log a client that goes away mid-body as one warning line (webhook and API), with no error', async () => {
    for (const url of ['/ccm/webhook', '/api/auth/login']) {
      const before = requestLines(url).length;
      const announced = `Content-Type: application/json\r\nContent-Length: 5000\r\nExpect: 100-continue`;
      await rawRequest(port, `POST ${url} HTTP/1.1\r\nHost: ccm\r\n${announced}\r\n\r\n{"object":`, { abortOnContinue: true });
      await eventually(async () => requestLines(url).length === before + 1, WAIT_MS);
      await barrier();
      const [line] = requestLines(url).slice(before);
      expect(requestLines(url)).toHaveLength(before + 1);
      expect(line).toMatchObject({ level: 'warn', msg: expect.stringContaining('client went away mid-request') });
      expect(logs().filter((l) => l.reqId === line.reqId)).toHaveLength(1);
    }
    expect(logs().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });

  it('should log a client that goes away while its answer is being worked on as one warning line', async () => {
    await createAgent(h, 'abby');
    // One wrong password first: the successful login below clears the failures, which tells the test its handler finished.
    expect((await callApi(h, '/api/auth/login', { body: { username: 'abby', password: 'wrong-password' } })).status).toBe(401);
    const failures = () => h.persistence.db.selectFrom('login_failures').selectAll().where('username', '=', 'abby').execute();
    expect(await failures()).toHaveLength(1);
    const before = requestLines('/api/auth/login').length;
    const body = JSON.stringify({ username: 'abby', password: AGENT_PASSWORD });
    // The whole request goes out; the client hangs up once its attempt is recorded (the handler runs),
    // before the scrypt-checked answer comes back (polled every 2 ms: the check takes tens).
    const aborted = rawRequest(
      port,
      `POST /api/auth/login HTTP/1.1\r\nHost: ccm\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      { abortWhen: eventually(async () => (await failures()).length === 2, WAIT_MS, 2) },
    );
    expect(await aborted).toBe(''); // no answer was read
    await eventually(async () => (await failures()).length === 0, WAIT_MS); // the login went through, answered to nobody
    await barrier();
    const added = requestLines('/api/auth/login').slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ level: 'warn', msg: expect.stringContaining('client went away before the answer') });
    expect(logs().filter((l) => l.reqId === added[0].reqId)).toHaveLength(1);
    expect(logs().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });

  it('should cut a slow-loris body off after REQUEST_TIMEOUT_MS with 408, closing the connection, in one warning line', async () => {
    const before = requestLines('/api/auth/login').length;
    const answer = await rawRequest(
      port,
      'POST /api/auth/login HTTP/1.1\r\nHost: ccm\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
      { trickle: ' ' }, // bytes keep coming, so no idle timeout would ever fire
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    await eventually(async () => requestLines('/api/auth/login').length === before + 1, WAIT_MS);
    await barrier();
    const added = requestLines('/api/auth/login').slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ level: 'warn', msg: expect.stringContaining('not complete within REQUEST_TIMEOUT_MS (1000 ms)') });
    expect(logs().filter((l) => l.reqId === added[0].reqId)).toHaveLength(1);
  });

  it('should cut off a request whose headers never finish, in one warning line naming the client address', async () => {
    const isThatLine = (l: LogLine) => l.context === 'Http' && l.msg.includes('REQUEST_TIMEOUT_MS');
    const before = logs().filter(isThatLine).length;
    const answer = await rawRequest(port, 'GET /api/agents/me HTTP/1.1\r\nHost: ccm\r\nX-Slow: a', { trickle: 'a' });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    await eventually(async () => logs().filter(isThatLine).length === before + 1, WAIT_MS);
    await barrier();
    const added = logs().filter(isThatLine).slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      level: 'warn',
      msg: expect.stringMatching(/^connection from 127\.0\.0\.1: request not complete within/),
    });
    expect(requestLines('/api/agents/me')).toEqual([]); // it never became a request
  });
});
