// The ZfsHost contract with the host side over SSH (SshExecutor to the guest's own sshd) and the peer local.
import { zfsHostContract } from '../contract/zfs-host.js';
import { createRealEnv } from '../contract/real-env.js';
import { requireGuest, sh } from './lib.js';
import { CommandZfsHost } from '../../src/zfs/host.js';
import { LocalExecutor } from '../../src/zfs/local.js';
import { SshExecutor } from '../../src/zfs/ssh.js';

requireGuest(import.meta.url);

// The guest's root is this machine's, whose /root/.bashrc (sourced by bash for every SSH command) runs pyenv:
// seconds per command and 60 s waits for its rehash lock. So we log in as a second uid-0 user whose shell is
// /bin/sh, created in the guest's throwaway overlay (PermitRootLogin=prohibit-password covers any uid 0).
const USER = 'zformsh';
const HOME = `/tmp/${USER}`;

zfsHostContract('CommandZfsHost, over SSH', () => createRealEnv('zcs', async (observer) => {
  await sh([
    `id ${USER} >/dev/null 2>&1 || useradd -o -u 0 -g 0 -M -p '*' -d ${HOME} -s /bin/sh ${USER}`,
    `mkdir -p ${HOME}/.ssh && chmod 700 ${HOME} ${HOME}/.ssh`,
    `rm -f ${HOME}/id ${HOME}/id.pub && ssh-keygen -q -t ed25519 -N '' -C zform-contract -f ${HOME}/id`,
    `cp ${HOME}/id.pub ${HOME}/.ssh/authorized_keys && chmod 600 ${HOME}/.ssh/authorized_keys`,
    `ssh-keyscan -p 22 127.0.0.1 2>/dev/null > ${HOME}/known_hosts && test -s ${HOME}/known_hosts`,
  ].join(' && '));
  const ssh = new SshExecutor('nas', {
    host: '127.0.0.1', port: 22, user: USER, identityFile: `${HOME}/id`, knownHosts: `${HOME}/known_hosts`,
    connectTimeoutMs: 20_000, keepaliveIntervalMs: 15_000,
  });
  return {
    host: new CommandZfsHost(ssh, { observer }),
    peer: new CommandZfsHost(new LocalExecutor('local'), { observer }),
  };
}));
