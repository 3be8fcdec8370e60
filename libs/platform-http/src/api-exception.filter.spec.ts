import { Controller, Get, HttpException, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { CcmConfigModule } from '@app/config';
import { ExtensionsModule } from '@app/core';
import { ApiErrorCode, ApiException } from './api-error';
import { PlatformHttpModule } from './platform-http.module';

@Controller()
class ThrowingController {
  @Get('api/conflict')
  conflict(): never {
    throw new HttpException('busy', 409);
  }

  @Get('api/domain')
  domain(): never {
    throw new ApiException('ALREADY_ASSIGNED', 409, 'someone else has it', undefined, 7);
  }

  @Get('api/forbidden')
  forbidden(): never {
    throw ApiException.of(ApiErrorCode.Forbidden, 'only admins');
  }

  @Get('api/broken')
  broken(): never {
    throw new Error('database password is hunter2');
  }

  @Get('health/broken')
  brokenElsewhere(): never {
    throw new TypeError('cannot read properties of undefined');
  }

  @Get('health/missing')
  missing(): never {
    throw new HttpException('no such thing', 404);
  }
}

@Module({ imports: [CcmConfigModule.forRoot({ env: {} }), ExtensionsModule, PlatformHttpModule], controllers: [ThrowingController] })
class TestModule {}

class CapturingLogger implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  error(message: unknown): void {
    this.errors.push(String(message));
  }
}

describe('ApiExceptionFilter (the global exception filter)', () => {
  let app: NestFastifyApplication;
  const logger = new CapturingLogger();
  const get = async (url: string) => {
    const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>(), headers: response.headers };
  };

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger, abortOnError: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  it('should answer an unexpected error under /api with a 500 naming a new error id, and log the error under that id', async () => {
    const first = await get('/api/broken');
    const second = await get('/api/broken');
    expect(first.status).toBe(500);
    const error = first.body.error as { code: string; message: string; errorId: string };
    expect(error).toEqual({ code: 'INTERNAL_ERROR', message: 'internal error', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect((second.body.error as { errorId: string }).errorId).not.toBe(error.errorId);
    // The answer never carries the error; the log line does, under the id.
    expect(JSON.stringify(first.body)).not.toContain('hunter2');
    const line = logger.errors.find((l) => l.includes(error.errorId));
    expect(line).toContain('GET /api/broken');
    expect(line).toContain('database password is hunter2');
  });

  it("should give an unexpected error outside /api an error id too, in Nest's default shape", async () => {
    const { status, body } = await get('/health/broken');
    expect(status).toBe(500);
    expect(body).toEqual({ statusCode: 500, message: 'Internal server error', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(logger.errors.some((l) => l.includes(body.errorId as string) && l.includes('cannot read properties'))).toBe(true);
  });

  it("should keep Nest's default answer for an HTTP error outside /api (Meta sees plain 4xx)", async () => {
    expect(await get('/health/missing')).toMatchObject({ status: 404, body: { statusCode: 404, message: 'no such thing' } });
  });

  it('should give every /api error one shape with a code: platform, feature and framework errors, unknown routes', async () => {
    expect(await get('/api/forbidden')).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: 'only admins' } } });
    const domain = await get('/api/domain');
    expect(domain).toMatchObject({ status: 409, body: { error: { code: 'ALREADY_ASSIGNED', message: 'someone else has it' } } });
    expect(domain.headers['retry-after']).toBe('7');
    expect(await get('/api/conflict')).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE', message: 'busy' } } });
    expect(await get('/api/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(logger.errors.filter((l) => l.includes('/api/forbidden') || l.includes('/api/domain'))).toEqual([]);
  });
});
