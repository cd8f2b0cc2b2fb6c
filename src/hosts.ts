// Opens one ZfsHost per configured host name for a run (one SSH connection per host), and closes them.
import type { Config } from './config/types.js';
import type { ZfsHost } from './zfs/types.js';
import type { CommandObserver } from './zfs/exec.js';
import { CommandZfsHost } from './zfs/host.js';
import { LocalExecutor } from './zfs/local.js';
import { SshExecutor } from './zfs/ssh.js';
import { ZformError } from './errors.js';

export interface HostPool {
  get(name: string): ZfsHost;
  closeAll(): Promise<void>;
}

/** Hosts are created lazily: a run touches only the hosts of the selected jobs. */
export function openHosts(config: Config, observer?: CommandObserver): HostPool {
  const open = new Map<string, ZfsHost>();
  return {
    get(name) {
      const existing = open.get(name);
      if (existing) return existing;
      const hc = config.hosts[name];
      if (!hc && name !== 'local') throw new ZformError('config', `unknown host "${name}"`);
      const privilege = hc?.privilege ?? [];
      const executor = hc?.ssh ? new SshExecutor(name, hc.ssh) : new LocalExecutor(name);
      const h: ZfsHost = new CommandZfsHost(executor, { privilege, observer });
      open.set(name, h);
      return h;
    },
    async closeAll() {
      const hosts = [...open.values()];
      open.clear();
      await Promise.allSettled(hosts.map((h) => h.close()));
    },
  };
}

/** A pool over hosts built elsewhere (tests: hosts over the fake executor of test/support). */
export function staticHosts(hosts: Record<string, ZfsHost>): HostPool {
  return {
    get(name) {
      const h = hosts[name];
      if (!h) throw new ZformError('config', `unknown host "${name}"`);
      return h;
    },
    async closeAll() { /* owned by the caller */ },
  };
}
