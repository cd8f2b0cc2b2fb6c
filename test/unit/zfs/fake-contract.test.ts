// The ZfsHost contract against two FakeZfsHosts (the same cases run on real ZFS in test/real/contract-*.test.ts).
import { zfsHostContract } from '../../contract/zfs-host.js';
import { FakeZfsHost } from '../../../src/zfs/fake.js';
import type { ZfsHost } from '../../../src/zfs/types.js';

function fake(h: ZfsHost): FakeZfsHost {
  if (!(h instanceof FakeZfsHost)) throw new TypeError(`not a fake: ${h.name}`);
  return h;
}

zfsHostContract('FakeZfsHost', async () => {
  const host = new FakeZfsHost('local').createPool('src');
  const peer = new FakeZfsHost('nas').createPool('dst');
  return {
    host, peer, pool: 'src', peerPool: 'dst',
    write: async (on, dataset, bytes) => { fake(on).write(dataset, bytes); },
    unloadKey: async (on, dataset) => { fake(on).unloadKey(dataset); },
    encryptionProps: { encryption: 'on', keyformat: 'hex', keylocation: 'file:///etc/zform/key' },
    commands: (on) => fake(on).commands,
    cleanup: async () => {},
  };
});
