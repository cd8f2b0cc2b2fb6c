// The ZfsHost contract against CommandZfsHost over two fake executors (FakeHost; the same cases run on real ZFS in test/real/contract-*.test.ts).
import { zfsHostContract } from '../../contract/zfs-host.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import type { ZfsHost } from '../../../src/zfs/types.js';

function fake(h: ZfsHost): FakeHost {
  if (!(h instanceof FakeHost)) throw new TypeError(`not a fake: ${h.name}`);
  return h;
}

zfsHostContract('FakeHost', async () => {
  const host = new FakeHost('local').createPool('src');
  const peer = new FakeHost('nas').createPool('dst');
  return {
    host, peer, pool: 'src', peerPool: 'dst',
    write: async (on, dataset, bytes) => { fake(on).write(dataset, bytes); },
    unloadKey: async (on, dataset) => { fake(on).unloadKey(dataset); },
    clone: async (on, snapshot, filesystem) => { fake(on).cloneSnapshot(snapshot, filesystem); },
    encryptionProps: { encryption: 'on', keyformat: 'hex', keylocation: 'file:///etc/zform/key' },
    commands: (on) => fake(on).commands,
    cleanup: async () => {},
  };
});
