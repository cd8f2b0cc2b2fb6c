// Strict host key checking and client authentication against a real sshd: every refusal is a one-line SshError,
// and a refused connection runs nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SshExecutor } from '../../../src/zfs/ssh.js';
import type { SshConfig } from '../../../src/config/types.js';
import { fingerprintOf, makeKey, run, startSshd, waitFor, type Sshd } from './sshd.js';

let sshd: Sshd;
let agent: ChildProcess | null = null;
let agentSock = '';

before(async () => {
  sshd = await startSshd({ rsa: true });
});
after(async () => {
  agent?.kill();
  await sshd.stop();
});

/** Runs `touch marker` with the given ssh settings; returns how it went and whether the command ran. */
async function attempt(over: Partial<SshConfig>, opts: { agent?: string } = { agent: '' }) {
  const marker = join(sshd.dir, `ran-${Math.random().toString(36).slice(2)}`);
  const ex = new SshExecutor('nas', sshd.config(over), opts);
  const r = await run(ex, ['touch', marker]);
  await ex.close();
  return {
    ran: existsSync(marker),
    code: r.code,
    signal: r.signal,
    stderr: r.stderr,
    reason: r.connectionError?.reason ?? null,
    message: r.connectionError?.shortMessage ?? null,
  };
}

const OK = { ran: true, code: 0, signal: null, stderr: '', reason: null, message: null };
/** What attempt() returns for a connection refused with this reason and message. */
const refused = (reason: string, message: string) => ({ ran: false, code: null, signal: null, stderr: `${message}\n`, reason, message });

test('a [127.0.0.1]:PORT entry with the server\'s key is accepted', async () => {
  const kh = sshd.knownHosts('kh-plain', [`${sshd.hostField} ${sshd.hostKey}`]);
  assert.deepEqual(await attempt({ knownHosts: kh }), OK);
});

test('a hashed entry (ssh-keygen -H) is accepted', async () => {
  const kh = sshd.knownHosts('kh-hashed', [`${sshd.hostField} ${sshd.hostKey}`]);
  execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
  assert.match(readFileSync(kh, 'utf8'), /^\|1\|[^ ]+ ssh-ed25519 /);
  assert.deepEqual(await attempt({ knownHosts: kh }), OK);
});

test('a wildcard entry is accepted; a negation excludes the host', async () => {
  const wild = sshd.knownHosts('kh-wild', [`[127.0.0.*]:${sshd.port} ${sshd.hostKey}`]);
  assert.deepEqual(await attempt({ knownHosts: wild }), OK);
  const negated = sshd.knownHosts('kh-neg', [`[127.0.0.*]:${sshd.port},!${sshd.hostField} ${sshd.hostKey}`]);
  assert.equal((await attempt({ knownHosts: negated })).reason, 'host_key_unknown');
});

test('no entry for host:port: refused with the ssh-keyscan hint, nothing runs', async () => {
  // a plain 127.0.0.1 entry is for port 22 only
  const kh = sshd.knownHosts('kh-other', [`127.0.0.1 ${sshd.hostKey}`, `other.example.org ${sshd.hostKey}`]);
  assert.deepEqual(await attempt({ knownHosts: kh }), refused('host_key_unknown', `host key verification failed for 127.0.0.1:${sshd.port}: no entry in ${kh} (add one with: ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${kh})`));
});

test('a different key: refused as REMOTE HOST KEY HAS CHANGED, nothing runs', async () => {
  const other = makeKey(join(sshd.dir, 'impostor'));
  const kh = sshd.knownHosts('kh-changed', ['# first line', `${sshd.hostField} ${other}`]);
  assert.deepEqual(await attempt({ knownHosts: kh }), refused('host_key_changed', `host key verification failed for 127.0.0.1:${sshd.port}: REMOTE HOST KEY HAS CHANGED: server offered ssh-ed25519 ${fingerprintOf(sshd.dir, sshd.hostKey)}, known_hosts has ssh-ed25519 ${fingerprintOf(sshd.dir, other)} (${kh}:2)`));
});

test('a revoked key is refused even when also listed as known', async () => {
  const kh = sshd.knownHosts('kh-revoked', [`${sshd.hostField} ${sshd.hostKey}`, `@revoked * ${sshd.hostKey}`]);
  assert.deepEqual(await attempt({ knownHosts: kh }), refused('host_key_revoked', `host key verification failed for 127.0.0.1:${sshd.port}: the server's key ssh-ed25519 ${fingerprintOf(sshd.dir, sshd.hostKey)} is marked @revoked in ${kh}:2`));
});

test('only the RSA key known: the server is asked for its RSA key and accepted', async () => {
  const kh = sshd.knownHosts('kh-rsa', [`${sshd.hostField} ${sshd.rsaHostKey}`]);
  assert.deepEqual(await attempt({ knownHosts: kh }), OK);
});

test('a missing known_hosts file refuses before connecting', async () => {
  const kh = join(sshd.dir, 'no-such-known-hosts');
  assert.deepEqual(await attempt({ knownHosts: kh }), refused('known_hosts_unreadable', `host key verification failed for 127.0.0.1:${sshd.port}: cannot read known_hosts file ${kh}: no such file (add an entry with: ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${kh})`));
});

test('an identity file the server does not accept: authentication failed', async () => {
  const kh = sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  const stranger = join(sshd.dir, 'stranger');
  makeKey(stranger);
  assert.deepEqual(await attempt({ knownHosts: kh, identityFile: stranger }), refused('auth_failed', `ssh root@127.0.0.1:${sshd.port} (host nas): authentication failed for user root: the server accepted none of the key in ${stranger}`));
  assert.equal((await attempt({ knownHosts: kh, user: 'nobody-zform' })).reason, 'auth_failed');
});

test('a passphrase-protected identity file is refused with advice to use the agent', async () => {
  const kh = sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  const locked = join(sshd.dir, 'locked');
  makeKey(locked, 'ed25519', 'secret passphrase');
  assert.deepEqual(await attempt({ knownHosts: kh, identityFile: locked }), refused('identity_file', `ssh root@127.0.0.1:${sshd.port} (host nas): identity file ${locked} is protected by a passphrase, which zform does not ask for: load it into ssh-agent (ssh-add ${locked}) and remove identity_file from the host's ssh settings`));
});

test('an identity file of this user that others may read or write is refused, as ssh refuses it; 0600 and 0400 are used', async () => {
  const kh = sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  const key = join(sshd.dir, 'open-key');
  copyFileSync(sshd.userKey, key);
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    chmodSync(key, mode);
    const m = mode.toString(8).padStart(4, '0');
    assert.deepEqual(await attempt({ knownHosts: kh, identityFile: key }), refused('identity_file', `ssh root@127.0.0.1:${sshd.port} (host nas): identity file ${key} is accessible by others (mode ${m}), so ssh refuses it too: chmod 600 ${key}, and replace the key if others may have read it`), m);
  }
  for (const mode of [0o600, 0o400]) {
    chmodSync(key, mode);
    assert.deepEqual(await attempt({ knownHosts: kh, identityFile: key }), OK, mode.toString(8));
  }
});

test('a known_hosts file another user could change (the file, or a folder above it) is refused before connecting', async () => {
  const open = join(sshd.dir, 'open-kh');
  mkdirSync(open);
  const kh = join(open, 'known_hosts');
  writeFileSync(kh, `${sshd.hostField} ${sshd.hostKey}\n`);
  chmodSync(kh, 0o666);
  const who = process.getuid!() === 0 ? 'root' : `root or uid ${process.getuid!()}`;
  const tail = `; whoever can change it can make zform trust any host: make it and its folders writable only by ${who}`;
  assert.deepEqual(await attempt({ knownHosts: kh }), refused('known_hosts_unsafe', `host key verification failed for 127.0.0.1:${sshd.port}: known_hosts file ${kh}: the file is writable by others (mode 0666)${tail}`));
  chmodSync(kh, 0o644);
  chmodSync(open, 0o777);
  assert.deepEqual(await attempt({ knownHosts: kh }), refused('known_hosts_unsafe', `host key verification failed for 127.0.0.1:${sshd.port}: known_hosts file ${kh}: its folder ${open} is writable by others (mode 0777)${tail}`));
  chmodSync(open, 0o755);
  assert.deepEqual(await attempt({ knownHosts: kh }), OK);
});

test('no identity file and no agent: a clear error', async () => {
  const kh = sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  assert.deepEqual(await attempt({ knownHosts: kh, identityFile: undefined }, { agent: '' }), refused('no_credentials', `ssh root@127.0.0.1:${sshd.port} (host nas): no credentials: set identity_file in the host's ssh settings or start ssh-agent (SSH_AUTH_SOCK is not set)`));
});

test('ssh-agent: its key authenticates (socket given, or from SSH_AUTH_SOCK); an agent without the key fails', async () => {
  const kh = sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  agentSock = join(sshd.dir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
  await waitFor(() => existsSync(agentSock));
  const env = { ...process.env, SSH_AUTH_SOCK: agentSock };

  // no key loaded yet
  assert.deepEqual(await attempt({ knownHosts: kh, identityFile: undefined }, { agent: agentSock }), refused('auth_failed', `ssh root@127.0.0.1:${sshd.port} (host nas): authentication failed for user root: the server accepted none of the keys of the ssh-agent of SSH_AUTH_SOCK`));

  execFileSync('ssh-add', [sshd.userKey], { env, stdio: 'ignore' });
  assert.deepEqual(await attempt({ knownHosts: kh, identityFile: undefined }, { agent: agentSock }), OK);

  const saved = process.env.SSH_AUTH_SOCK;
  process.env.SSH_AUTH_SOCK = agentSock;
  try {
    assert.deepEqual(await attempt({ knownHosts: kh, identityFile: undefined }, {}), OK);
  } finally {
    if (saved === undefined) delete process.env.SSH_AUTH_SOCK; else process.env.SSH_AUTH_SOCK = saved;
  }
});

test('an agent socket that does not exist: authentication failed, naming the socket', async () => {
  const kh = sshd.knownHosts('known_hosts', [`${sshd.hostField} ${sshd.hostKey}`]);
  const sock = join(sshd.dir, 'no-agent.sock');
  assert.deepEqual(await attempt({ knownHosts: kh, identityFile: undefined }, { agent: sock }), refused('auth_failed', `ssh root@127.0.0.1:${sshd.port} (host nas): authentication failed for user root: cannot use the ssh-agent of SSH_AUTH_SOCK: Failed to connect to agent`));
});

test('~/ in identity_file and known_hosts is the home directory', async () => {
  const home = process.env.HOME;
  process.env.HOME = sshd.dir;
  try {
    sshd.knownHosts('kh-home', [`${sshd.hostField} ${sshd.hostKey}`]);
    // os.homedir() follows $HOME
    assert.deepEqual(await attempt({ knownHosts: '~/kh-home', identityFile: '~/id_user' }), OK);
  } finally {
    process.env.HOME = home;
  }
});
