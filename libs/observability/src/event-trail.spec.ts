import { ConsoleLogger, Logger } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { CcmConfig } from '@app/config';
import { CcmMetrics } from './ccm-metrics.service';
import { EventTrail } from './event-trail';
import { correlationIdOf, runWithCorrelation } from './logging/correlation';
import { pinoHttpOptions } from './logging/logger-options';

const SECRET = 'app-secret-for-event-trail-spec';
const lines: string[] = [];

function config(): CcmConfig {
  return {
    operations: { logLevel: 'info', logFormat: 'json' },
    graph: { appSecret: SECRET },
    webhook: { verifyToken: 'verify-token-for-event-trail-spec' },
    pages: [],
    agents: {},
    sectionSecrets: [],
    database: { url: 'sqlite::memory:' },
    localMode: false,
  } as unknown as CcmConfig;
}

const event = (n: number) => ({
  channel: 'messenger',
  kind: 'message',
  pageId: '111',
  customerId: `psid-${n}`,
  dedupeKey: `messenger:mid:m_${n}`,
});

function withoutTime(line: string): Record<string, unknown> {
  const { time, ...rest } = JSON.parse(line) as Record<string, unknown>;
  expect(typeof time).toBe('string');
  return rest;
}

describe('EventTrail', () => {
  // Nest logging through nestjs-pino, as the app does with structured logs (configureApp's useLogger).
  const pino = new PinoLogger({ pinoHttp: pinoHttpOptions(config(), { write: (line: string) => lines.push(line) } as never) });
  const nestPino = new NestPinoLogger(pino, {});

  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger(nestPino);
  });
  afterEach(() => {
    pino.logger.level = 'info';
    Logger.overrideLogger(new ConsoleLogger());
  });

  it('should write each event the line nestjs-pino writes for it (context, correlation id), without pino', () => {
    const trail = new EventTrail(new CcmMetrics(), config());
    const viaPino = jest.spyOn(pino.logger, 'info');
    trail.received([event(1), event(2)], 0);
    expect(viaPino).not.toHaveBeenCalled();
    viaPino.mockRestore();
    expect(lines).toHaveLength(2);
    const expected: string[] = [];
    for (const n of [1, 2])
      runWithCorrelation(correlationIdOf(event(n).dedupeKey), () =>
        new Logger('Intake').log(`inbound messenger message for page 111 received`),
      );
    expected.push(...lines.splice(2));
    expect(lines.map(withoutTime)).toEqual(expected.map(withoutTime));
    expect(withoutTime(lines[0])).toEqual({
      level: 'info',
      service: 'ccm',
      context: 'Intake',
      correlationId: correlationIdOf('messenger:mid:m_1'),
      msg: 'inbound messenger message for page 111 received',
    });
  });

  it('should write nothing when the info level is off, and still count the events', async () => {
    pino.logger.level = 'warn';
    const metrics = new CcmMetrics();
    new EventTrail(metrics, config()).received([event(1)], 0);
    expect(lines).toEqual([]);
    expect(await metrics.scrape()).toContain('ccm_webhook_events_total{channel="messenger",kind="message"} 1');
  });
});
