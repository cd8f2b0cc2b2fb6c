// Opens one authenticated ssh2 connection with strict host key checking; every failure is a one-line SshError.
import { readFileAsync as readFile } from '../read-file.js';
import { homedir } from 'node:os';
import { stat } from 'node:fs/promises';
import { formatMode } from '../fsafe.js';
import type { Client, ConnectConfig } from 'ssh2';
import type { SshOptions } from './options.js';
import {
  computeHostKeyAlgorithms, computeHostKeyVerdict, readKnownHosts, type HostKeyVerdict,
} from './known-hosts.js';
import { SshError } from './ssh-error.js';

export type SshClient = Client;

/** ssh2, loaded on first use (a run without SSH hosts never loads it). */
async function loadSsh2(): Promise<typeof import('ssh2')> {
  return (await import('ssh2')).default;
}

/** OpenSSH's default ServerAliveCountMax: keepalives without answer before the connection counts as lost. */
export const KEEPALIVE_COUNT_MAX = 3;

export interface SshTarget {
  /** the config's host name ("nas") */
  hostName: string;
  ssh: SshOptions;
  /** ssh-agent socket; undefined = none */
  agent?: string;
}

/** Credentials to offer: the identity file when configured, else the agent. */
export type SshCredentials = { kind: 'key'; file: string; key: Buffer } | { kind: 'agent'; socket: string };

/** `~/x` → `$HOME/x`; other paths unchanged. */
export function computeExpandedPath(path: string, home = homedir()): string {
  return path === '~' ? home : path.startsWith('~/') ? `${home}${path.slice(1)}` : path;
}

/** The prefix of every connection error: `ssh root@nas.example.org:22 (host nas)`. */
export function renderTarget(t: SshTarget): string {
  return `ssh ${t.ssh.user}@${t.ssh.host}:${t.ssh.port} (host ${t.hostName})`;
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'is a directory',
};

/** Reads the identity file (refusing a passphrase-protected key), or picks the agent; no credentials is an SshError. */
export async function readCredentials(t: SshTarget): Promise<SshCredentials> {
  const where = renderTarget(t);
  if (t.ssh.identityFile !== undefined) {
    const file = computeExpandedPath(t.ssh.identityFile);
    let key: Buffer;
    try {
      // OpenSSH's rule (sshkey_perm_ok): this user's own key must be readable by no one else
      const st = await stat(file);
      const uid = process.getuid?.();
      if (st.isFile() && uid !== undefined && st.uid === uid && (st.mode & 0o077) !== 0) {
        throw new SshError('identity_file', t.hostName, `${where}: identity file ${file} is accessible by others (mode ${formatMode(st.mode)}), so ssh refuses it too: chmod 600 ${file}, and replace the key if others may have read it`);
      }
      key = await readFile(file);
    } catch (err) {
      if (err instanceof SshError) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? '';
      throw new SshError('identity_file', t.hostName, `${where}: cannot read identity file ${file}: ${FS_REASONS[code] ?? (err as Error).message}`, { cause: err });
    }
    const parsed = (await loadSsh2()).utils.parseKey(key);
    if (parsed instanceof Error) {
      if (/passphrase|encrypted/i.test(parsed.message)) {
        throw new SshError(
          'identity_file',
          t.hostName,
          `${where}: identity file ${file} is protected by a passphrase, which zform does not ask for: load it into ssh-agent (ssh-add ${file}) and remove identity_file from the host's ssh settings`,
          { cause: parsed },
        );
      }
      throw new SshError('identity_file', t.hostName, `${where}: cannot parse identity file ${file}: ${parsed.message}`, { cause: parsed });
    }
    return { kind: 'key', file, key };
  }
  if (t.agent !== undefined && t.agent !== '') return { kind: 'agent', socket: t.agent };
  throw new SshError(
    'no_credentials',
    t.hostName,
    `${where}: no credentials: set identity_file in the host's ssh settings or start ssh-agent (SSH_AUTH_SOCK is not set)`,
  );
}

/** What the connect attempt observed besides ssh2's error: the host key verdict and an agent failure. */
export interface ConnectObservations {
  verdict?: HostKeyVerdict;
  agentError?: Error;
}

/** The SshError for an ssh2 or socket error raised before the connection was ready. */
export function computeConnectError(t: SshTarget, creds: SshCredentials, err: Error & { level?: string; code?: string }, seen: ConnectObservations): SshError {
  const where = renderTarget(t);
  const make = (reason: SshError['reason'], text: string) => new SshError(reason, t.hostName, `${where}: ${text}`, { cause: err });
  if (seen.verdict && !seen.verdict.ok) return new SshError(seen.verdict.reason, t.hostName, seen.verdict.message, { cause: err });
  if (err.level === 'client-timeout') return make('timeout', `connection timed out after ${t.ssh.connectTimeoutMs} ms (no finished SSH handshake)`);
  if (err.level === 'client-authentication') {
    // the agent's socket path is never shown (it gives access to the agent's keys): SSH_AUTH_SOCK names it
    if (creds.kind === 'agent' && seen.agentError) {
      const why = seen.agentError.message.replaceAll(creds.socket, '$SSH_AUTH_SOCK');
      return make('auth_failed', `authentication failed for user ${t.ssh.user}: cannot use the ssh-agent of SSH_AUTH_SOCK: ${why}`);
    }
    const offered = creds.kind === 'key' ? `the key in ${creds.file}` : 'the keys of the ssh-agent of SSH_AUTH_SOCK';
    return make('auth_failed', `authentication failed for user ${t.ssh.user}: the server accepted none of ${offered}`);
  }
  switch (err.code) {
    case 'ECONNREFUSED': return make('connection_refused', 'connection refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME': return make('dns', `cannot resolve host name ${t.ssh.host}`);
    case 'ETIMEDOUT': return make('timeout', 'connection timed out');
    default: break;
  }
  if (err.level === 'client-socket') return make('network', err.message);
  return make('protocol', err.message);
}

/** The ssh2 options for one connection (pure: everything read beforehand). */
export function computeConnectConfig(
  t: SshTarget, creds: SshCredentials, hostKeyAlgorithms: string[], hostVerifier: (key: Buffer) => boolean,
): ConnectConfig {
  return {
    host: t.ssh.host,
    port: t.ssh.port,
    username: t.ssh.user,
    ...(creds.kind === 'key' ? { privateKey: creds.key } : { agent: creds.socket }),
    readyTimeout: t.ssh.connectTimeoutMs,
    keepaliveInterval: t.ssh.keepaliveIntervalMs,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    hostVerifier,
    algorithms: { serverHostKey: hostKeyAlgorithms as NonNullable<NonNullable<ConnectConfig['algorithms']>['serverHostKey']> },
    tryKeyboard: false,
  };
}

/** Connects and authenticates; resolves with the ready client, rejects with an SshError. */
export async function runSshConnect(t: SshTarget): Promise<SshClient> {
  const knownHostsFile = computeExpandedPath(t.ssh.knownHosts);
  const kh = await readKnownHosts(knownHostsFile, { hostName: t.hostName, host: t.ssh.host, port: t.ssh.port });
  const creds = await readCredentials(t);
  const seen: ConnectObservations = {};
  const verifier = (key: Buffer): boolean => {
    seen.verdict = computeHostKeyVerdict(kh, t.ssh.host, t.ssh.port, key);
    return seen.verdict.ok;
  };
  const client = new (await loadSsh2()).Client();
  return new Promise<SshClient>((resolve, reject) => {
    let settled = false;
    const fail = (err: SshError) => {
      if (settled) return;
      settled = true;
      client.removeAllListeners('ready');
      client.on('error', () => {}); // late errors of a connection we gave up on
      client.end();
      reject(err);
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      client.removeAllListeners('error');
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (err.level === 'agent') { seen.agentError ??= err; return; } // ssh2 goes on with the next method
      fail(computeConnectError(t, creds, err, seen));
    });
    client.once('close', () => {
      fail(new SshError('connection_lost', t.hostName, `${renderTarget(t)}: the server closed the connection during the SSH handshake`));
    });
    try {
      client.connect(computeConnectConfig(t, creds, computeHostKeyAlgorithms(kh, t.ssh.host, t.ssh.port), verifier));
    } catch (err) {
      fail(new SshError('protocol', t.hostName, `${renderTarget(t)}: ${(err as Error).message}`, { cause: err }));
    }
  });
}
