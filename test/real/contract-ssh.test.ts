// The ZfsHost contract with the host side over SSH (SshExecutor to the guest's own sshd) and the peer local.
import { zfsHostContract } from '../contract/zfs-host.js';
import { createRealEnv } from '../contract/real-env.js';
import { requireGuest } from './lib.js';
import { setupSshLogin } from './apply-helpers.js';
import { CommandZfsHost } from '../../src/zfs/host.js';
import { LocalExecutor } from '../../src/zfs/local.js';
import { SshExecutor } from '../../src/zfs/ssh.js';

requireGuest(import.meta.url);

// A uid-0 login with /bin/sh (setupSshLogin): root's .bashrc on this machine is slow under emulation.
const USER = 'zformsh';

zfsHostContract('CommandZfsHost, over SSH', () => createRealEnv('zcs', async (observer) => {
  const login = await setupSshLogin(USER);
  const ssh = new SshExecutor('nas', {
    host: '127.0.0.1', port: 22, user: login.user, identityFile: login.identityFile, knownHosts: login.knownHosts,
    connectTimeoutMs: 20_000, keepaliveIntervalMs: 15_000,
  });
  return {
    host: new CommandZfsHost(ssh, { observer }),
    peer: new CommandZfsHost(new LocalExecutor('local'), { observer }),
  };
}));
