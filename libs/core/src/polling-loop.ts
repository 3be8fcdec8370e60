import { Logger } from '@nestjs/common';
import { BackgroundBudget } from './background-budget';

/**
 * Runs `tick` whenever kicked, and every `intervalMs` anyway (for retries that come due and for work
 * another instance wrote). Never runs two ticks at once; a kick during a tick schedules another.
 * `tick` returns true when it did work, so a busy loop keeps going without waiting. Each tick is a
 * unit of background work: it waits for its turn in the event loop's `BackgroundBudget` first.
 */
export class PollingLoop {
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = true;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly tick: () => Promise<boolean>,
    private readonly intervalMs: number,
    private readonly logger = new Logger(name),
    private readonly budget = BackgroundBudget.shared,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops polling and waits for a running tick to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.idle;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = true;
    this.idle = this.run();
  }

  private async run(): Promise<void> {
    let busy = false;
    try {
      await this.budget.turn();
      if (!this.stopped) busy = await this.tick();
    } catch (error) {
      this.logger.error(`${this.name} tick failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (busy || this.again) {
      this.again = false;
      setImmediate(() => this.kick());
    } else {
      this.timer = setTimeout(() => this.kick(), this.intervalMs);
      this.timer.unref();
    }
  }
}
