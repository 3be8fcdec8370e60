import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { multistream } from 'pino';
import type { Logger } from 'pino';
import pinoHttp from 'pino-http';
import { CcmConfig } from '@app/config';
import { runWithCorrelation } from './correlation';
import { pinoHttpOptions } from './logger-options';
import { RequestLineFields, writeRequestLine } from './request-line';

const SECRET = 'app-secret-for-request-line-spec';

function config(): CcmConfig {
  return {
    operations: { logLevel: 'info', logFormat: 'json' },
    graph: { appSecret: SECRET },
    webhook: { verifyToken: 'verify-token-for-request-line-spec' },
    pages: [],
    agents: {},
    sectionSecrets: [],
    database: { url: 'sqlite::memory:' },
    localMode: false,
  } as unknown as CcmConfig;
}

/** ccm's request logger (pinoHttpOptions) writing into `lines`. */
function logger(lines: string[], destination?: NodeJS.WritableStream): Logger {
  const [options, stream] = pinoHttpOptions(config(), (destination ?? { write: (line: string) => lines.push(line) }) as never) as [
    never,
    never,
  ];
  return pinoHttp(options, stream).logger;
}

/** One real request to a loopback server; `answered` runs when its answer is closed. */
async function request(answered: (req: IncomingMessage, res: ServerResponse) => void): Promise<void> {
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  const server = createServer((req, res) => {
    (req as IncomingMessage & { id?: string }).id = 'request-id-1';
    res.once('close', () => {
      answered(req, res);
      done();
    });
    res.writeHead(200, { 'x-secret-header': SECRET });
    res.end('EVENT_RECEIVED');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ccm/webhook`, {
      method: 'POST',
      body: '{}',
      headers: { authorization: `Bearer ${SECRET}` },
    });
    await response.text();
    await closed;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function fieldsOf(req: IncomingMessage, msg = 'POST /ccm/webhook 200 3 ms'): RequestLineFields {
  return {
    level: 'info',
    reqId: 'request-id-1',
    method: 'POST',
    url: '/ccm/webhook',
    remoteAddress: req.socket.remoteAddress,
    statusCode: 200,
    responseTime: 3,
    msg,
  };
}

function withoutTime(line: string): Record<string, unknown> {
  const { time, ...rest } = JSON.parse(line) as Record<string, unknown>;
  expect(typeof time).toBe('string');
  return rest;
}

describe('writeRequestLine', () => {
  it('should write the line pino-http writes for the same request (fields, level, bindings, correlation id), headers and secrets left out', async () => {
    const viaPino: string[] = [];
    const direct: string[] = [];
    const pinoLog = logger(viaPino);
    const directLog = logger(direct);
    const before = Date.now();
    await request((req, res) =>
      runWithCorrelation('ev-0123456789abcdef', () => {
        pinoLog.info({ reqId: 'request-id-1', req, res, responseTime: 3 }, 'POST /ccm/webhook 200 3 ms');
        expect(writeRequestLine(directLog, fieldsOf(req), [SECRET])).toBe(true);
      }),
    );
    expect(viaPino).toHaveLength(1);
    expect(direct).toHaveLength(1);
    expect(direct[0].endsWith('\n')).toBe(true);
    expect(withoutTime(direct[0])).toEqual(withoutTime(viaPino[0]));
    expect(withoutTime(direct[0])).toMatchObject({
      level: 'info',
      service: 'ccm',
      correlationId: 'ev-0123456789abcdef',
      reqId: 'request-id-1',
      req: { id: 'request-id-1', method: 'POST', url: '/ccm/webhook' },
      res: { statusCode: 200 },
      responseTime: 3,
      msg: 'POST /ccm/webhook 200 3 ms',
    });
    expect(direct[0]).not.toContain(SECRET);
    // Both lines carry the current time (formatted once per millisecond), as ISO strings.
    for (const line of [direct[0], viaPino[0]]) {
      const { time } = JSON.parse(line) as { time: string };
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(time)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(time)).toBeLessThanOrEqual(Date.now());
    }
  });

  it('should leave to pino a message that its scrubbing could change, and a destination that wants pino metadata', async () => {
    const lines: string[] = [];
    const plain = logger(lines);
    const writtenMeanwhile: number[] = [];
    const sink = { write: (line: string) => lines.push(line) };
    const multi = logger([], multistream([{ stream: sink as never, level: 'info' }]) as never);
    await request((req) => {
      expect(writeRequestLine(plain, fieldsOf(req, `POST /ccm/webhook ${SECRET} 200 3 ms`), [SECRET])).toBe(false);
      expect(writeRequestLine(plain, fieldsOf(req, 'POST /ccm/webhook?access_token=x 200 3 ms'), [SECRET])).toBe(false);
      expect(writeRequestLine(multi, fieldsOf(req), [SECRET])).toBe(false);
      writtenMeanwhile.push(lines.length);
    });
    expect(writtenMeanwhile).toEqual([0]);
  });
});
