import { Logger } from '@nestjs/common';

/**
 * A bounded pool of concurrent tasks: a feeder asks how many slots are `free`, hands that many tasks
 * to `run`, and is called back (`onFree`) whenever one finishes — so one slow task holds one slot
 * while the others keep flowing, unlike a chunk of `Promise.all` that waits for its slowest member.
 */
export class WorkerPool {
  private active = 0;
  private idle: (() => void)[] = [];

  constructor(
    readonly size: number,
    private readonly onFree: () => void,
    private readonly logger = new Logger('WorkerPool'),
  ) {}

  get free(): number {
    return this.size - this.active;
  }

  get busy(): number {
    return this.active;
  }

  /** Starts `task` in a slot (the caller checked `free`). Errors are logged: a task handles its own failures. */
  run(task: () => Promise<unknown>): void {
    this.active += 1;
    void task()
      .catch((error: unknown) => this.logger.error(`task failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.active -= 1;
        if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
        this.onFree();
      });
  }

  /** Resolves once no task is running (shutdown). */
  async drained(): Promise<void> {
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
