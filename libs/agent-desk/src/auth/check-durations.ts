/**
 * How long recent real password checks took. A login for an unknown username waits one of these
 * instead of computing a hash: it answers in the time a wrong password takes (usernames cannot be told
 * apart by timing) while costing no hashing, so a flood of made-up usernames cannot occupy the
 * process-wide hashing slots that real agents' logins need.
 */
export class CheckDurations {
  private readonly recent: number[] = [];
  private next = 0;

  constructor(private readonly capacity = 32) {}

  record(ms: number): void {
    if (!(ms >= 0)) return;
    if (this.recent.length < this.capacity) this.recent.push(ms);
    else this.recent[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
  }

  /** One of the recent durations, picked at random (so the spread looks like real checks); undefined before the first. */
  sample(random: () => number = Math.random): number | undefined {
    if (this.recent.length === 0) return undefined;
    return this.recent[Math.min(this.recent.length - 1, Math.floor(random() * this.recent.length))];
  }
}
