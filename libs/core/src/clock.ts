import { Global, Module } from '@nestjs/common';

/**
 * Where the time comes from. Services inject `Clock` instead of calling `Date.now()`, so unit specs
 * can drive time with a fake clock (`FakeClock` in the testing lib).
 */
export abstract class Clock {
  /** Milliseconds since the epoch. */
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

/** Provides the system clock to every module; a test overrides the `Clock` provider. */
@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
export class ClockModule {}
