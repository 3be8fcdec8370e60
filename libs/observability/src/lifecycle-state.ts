import { Injectable } from '@nestjs/common';

/**
 * Whether this instance is shutting down. Once draining, readiness answers 503 (load balancers stop
 * sending traffic) and new webhooks are refused with 503 (Meta retries them, to another instance
 * or to this one after its restart), while work already accepted is finished.
 */
@Injectable()
export class LifecycleState {
  private drainingSince?: number;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  beginDrain(now = Date.now()): void {
    this.drainingSince ??= now;
  }
}
