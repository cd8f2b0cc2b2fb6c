// Session channel slots of one SSH connection: learns the server's MaxSessions from refused opens and queues the rest.
//
// OpenSSH refuses a session channel beyond MaxSessions (default 10) with "open failed". The limit is not announced,
// so it starts unknown; when an open is refused while others are open, the limit becomes the number open, and
// later channels wait for a slot instead of failing.

export class ChannelSlots {
  /** channels opening or open (until ssh2's `close`) */
  private active = 0;
  private limitValue = Number.POSITIVE_INFINITY;
  private readonly waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  get open(): number { return this.active; }
  get limit(): number { return this.limitValue; }

  /** Resolves once a channel may be opened (the slot is then taken). */
  acquire(): Promise<void> {
    if (this.active < this.limitValue) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** A channel closed (or its open failed): its slot goes to the next waiter. */
  release(): void {
    this.active--;
    this.wake();
  }

  /** An open was refused; the refused channel's slot is released here. Returns whether to wait and retry
   *  (other channels are open, so the refusal is the server's limit), after lowering the limit. */
  refused(): boolean {
    this.active--;
    if (this.active === 0) {
      this.wake();
      return false;
    }
    this.limitValue = Math.min(this.limitValue, this.active);
    return true;
  }

  /** Rejects every waiter (the connection is gone). */
  failAll(err: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private wake(): void {
    while (this.active < this.limitValue && this.waiters.length > 0) {
      this.active++;
      this.waiters.shift()!.resolve();
    }
  }
}
