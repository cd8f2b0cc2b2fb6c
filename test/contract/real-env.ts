// The contract's environment on real OpenZFS in the test guest: two mounted file-vdev pools, data and key helpers,
// command counters per host.
import type { CommandObserver } from '../../src/zfs/exec.js';
import type { ZfsHost } from '../../src/zfs/types.js';
import type { ContractEnv } from './zfs-host.js';
import { createPool, encryptionProps, q, requireGuest, sh } from '../real/lib.js';

/** Creates pools `<prefix>src` and `<prefix>dst` (mounted, so tests can write files), builds both hosts with a
 *  command counter, and destroys the pools in cleanup. Fails outside the guest: real tests never skip. */
export async function createRealEnv(
  prefix: string,
  makeHosts: (observer: CommandObserver) => Promise<{ host: ZfsHost; peer: ZfsHost }>,
): Promise<ContractEnv> {
  requireGuest(`the ${prefix} contract`);
  const src = await createPool(`${prefix}src`, { mounted: true });
  const dst = await createPool(`${prefix}dst`, { mounted: true });
  const counts = new Map<string, number>();
  const { host, peer } = await makeHosts((e) => counts.set(e.host, (counts.get(e.host) ?? 0) + 1));
  if (host.name === peer.name) throw new Error('host and peer need distinct names to count their commands');
  return {
    host, peer, pool: src.name, peerPool: dst.name,
    write: async (_on, dataset, bytes) => {
      // received datasets are not mounted (-u); `zpool sync` makes `written` show the data
      await sh(`zfs mount ${q(dataset)} 2>/dev/null; mp=$(zfs get -H -o value mountpoint ${q(dataset)})`
        + ` && head -c ${bytes} /dev/urandom > "$mp/f.$(date +%s%N)" && zpool sync ${q(dataset.split('/')[0]!)}`);
    },
    unloadKey: async (_on, dataset) => {
      await sh(`zfs list -H -o name -r ${q(dataset)} | sort -r | while read -r d; do zfs unmount "$d" 2>/dev/null; done; zfs unload-key ${q(dataset)}`);
    },
    clone: async (_on, snapshot, filesystem) => { await sh(`zfs clone ${q(snapshot)} ${q(filesystem)}`); },
    encryptionProps: encryptionProps(src),
    commands: (on) => counts.get(on.name) ?? 0,
    cleanup: async () => {
      await host.close();
      await peer.close();
      await src.destroy();
      await dst.destroy();
    },
  };
}
