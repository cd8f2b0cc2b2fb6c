// Group commit: requests of one key that arrive while a command for that key runs (or in the same turn of the event
// loop) go out together in the next command. Many chains' holds, cursor moves and GUID checks cost one command
// each time, and no chain waits for more than the one command already running for its key (never for a slow send).

export class GroupCommit<T, R> {
  private readonly queued = new Map<string, { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[]>();
  private readonly busy = new Set<string>();

  /** run: one command for `items` of `key`, with one result per item in order */
  constructor(private readonly run: (key: string, items: T[]) => Promise<R[]>) {}

  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let q = this.queued.get(key);
      if (!q) { q = []; this.queued.set(key, q); }
      q.push({ item, resolve, reject });
      if (!this.busy.has(key)) { this.busy.add(key); setImmediate(() => void this.flush(key)); }
    });
  }

  private async flush(key: string): Promise<void> {
    const batch = this.queued.get(key) ?? [];
    this.queued.delete(key);
    try {
      const results = await this.run(key, batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
    if ((this.queued.get(key)?.length ?? 0) > 0) setImmediate(() => void this.flush(key));
    else this.busy.delete(key);
  }
}
