// The ZfsHost contract against CommandZfsHost over LocalExecutor, on two real pools in the guest.
import { zfsHostContract } from '../contract/zfs-host.js';
import { createRealEnv } from '../contract/real-env.js';
import { requireGuest } from './lib.js';
import { CommandZfsHost } from '../../src/zfs/host.js';
import { LocalExecutor } from '../../src/zfs/local.js';

requireGuest(import.meta.url);

zfsHostContract('CommandZfsHost, local', () => createRealEnv('zcl', async (observer) => ({
  host: new CommandZfsHost(new LocalExecutor('local'), { observer }),
  peer: new CommandZfsHost(new LocalExecutor('peer'), { observer }),
})));
