import { Global, Module } from '@nestjs/common';
import { BackgroundBudget } from './background-budget';

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

/**
 * Provides the system clock to every module (a test overrides the `Clock` provider), and the
 * process's `BackgroundBudget` (the event loop's share for background work, measured in real time).
 */
@Global()
@Module({
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: BackgroundBudget, useValue: BackgroundBudget.shared },
  ],
  exports: [Clock, BackgroundBudget],
})
export class ClockModule {}
