// Limits on transfers in flight: the slots of a whole apply (--parallelism across jobs, and a ceiling per SSH host)
// that a transfer takes all at once, always in the same order so that none can deadlock.
import { Semaphore } from '../limit.js';

/** SSH session channels a host's transfers may use at once: OpenSSH's MaxSessions (10) less two for the zfs
 *  commands of the chains running meanwhile (channels beyond the server's real limit wait, ssh-slots.ts). */
export const SSH_HOST_TRANSFERS = 8;

export interface TransferSlots {
  /** waits for a slot of the whole apply and of each SSH host the transfer uses; resolves with their release */
  acquire(hosts: string[]): Promise<() => void>;
}

/** parallelism: transfers of all jobs at once (undefined: no ceiling but the jobs' own); remote: whether a host is
 *  reached over SSH (local hosts have no ceiling of their own). */
export function createTransferSlots(o: { parallelism?: number; remote: (host: string) => boolean }): TransferSlots {
  const global = o.parallelism !== undefined ? new Semaphore(o.parallelism) : null;
  const perHost = new Map<string, Semaphore>();
  const hostSlot = (h: string) => {
    let s = perHost.get(h);
    if (!s) { s = new Semaphore(SSH_HOST_TRANSFERS); perHost.set(h, s); }
    return s;
  };
  return {
    async acquire(hosts) {
      const releases: (() => void)[] = [];
      if (global) releases.push(await global.acquire());
      for (const h of [...new Set(hosts)].filter(o.remote).sort()) releases.push(await hostSlot(h).acquire());
      return () => { for (const r of releases.reverse()) r(); };
    },
  };
}
