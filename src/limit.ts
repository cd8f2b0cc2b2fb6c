// Limits on what runs at once: a counting semaphore (transfer slots, a chain's own commands), and a map over many
// items with at most `limit` calls in flight, results in the items' order, for commands whose number grows with the
// datasets (one per resume token, one per transfer when a batched GUID check failed), so that no run starts
// thousands of processes at once.

/** Such commands in flight at once (each a `zfs` process, or an SSH channel of the host's few) */
export const COMMANDS_AT_ONCE = 8;

/** fn over every item, at most `limit` at once; the results in the items' order. After a call rejects no further
 *  call starts, and the whole rejects with that error. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!(limit >= 1)) throw new RangeError('mapLimited needs a limit of at least 1');
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const k = next++;
      try { out[k] = await fn(items[k]!, k); } catch (err) { failed = true; throw err; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A counting semaphore: acquire() resolves with the function that gives the slot back (once). */
export class Semaphore {
  private used = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError('a semaphore needs at least one slot');
  }

  get inUse(): number { return this.used; }

  async acquire(): Promise<() => void> {
    if (this.used < this.size) this.used++;
    else await new Promise<void>((resolve) => this.waiters.push(resolve)); // the releaser hands its slot over
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiters.shift();
      if (next) next(); else this.used--;
    };
  }
}
