// Test fixture: a private OpenSSH sshd on 127.0.0.1 (temp host keys, one authorized user key), and helpers to run
// commands through an SshExecutor and collect what they print.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshConfig } from '../../../src/config/types.js';
import type { ExecProcess, Executor } from '../../../src/zfs/exec.js';
import type { SshExecResult } from '../../../src/zfs/ssh.js';

export const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  port: number;
  dir: string;
  /** `ssh-ed25519 AAAA...` of the server's ed25519 host key */
  hostKey: string;
  /** `ssh-rsa AAAA...` when started with rsa: true */
  rsaHostKey?: string;
  /** private key file authorized for root */
  userKey: string;
  /** writes a known_hosts file in the fixture's dir and returns its path */
  knownHosts(name: string, lines: string[]): string;
  /** `[127.0.0.1]:PORT` */
  hostField: string;
  config(over?: Partial<SshConfig>): SshConfig;
  /** what sshd logged so far */
  log(): string;
  /** pid of the listening sshd */
  pid: number;
  stop(): Promise<void>;
}

/** `ssh-keygen -q -t TYPE -N PASS -f FILE`; returns the public key line without comment. */
export function makeKey(file: string, type: 'ed25519' | 'rsa' | 'ecdsa' = 'ed25519', passphrase = ''): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', '', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
}

/** `SHA256:...` as ssh-keygen prints it for a public key line. */
export function fingerprintOf(dir: string, keyLine: string): string {
  const f = join(dir, `fp-${Math.random().toString(36).slice(2)}.pub`);
  writeFileSync(f, `${keyLine}\n`);
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', f], { encoding: 'utf8' }).split(' ')[1]!;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function startSshd(opts: { maxSessions?: number; rsa?: boolean; path?: string } = {}): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  const dir = mkdtempSync(join(tmpdir(), 'zform-sshd-'));
  const hostKey = makeKey(join(dir, 'host_ed25519'));
  const rsaHostKey = opts.rsa ? makeKey(join(dir, 'host_rsa'), 'rsa') : undefined;
  const userKey = join(dir, 'id_user');
  writeFileSync(join(dir, 'authorized_keys'), `${makeKey(userKey)}\n`);
  writeFileSync(join(dir, 'sshd_config'), [
    `HostKey ${join(dir, 'host_ed25519')}`,
    ...(opts.rsa ? [`HostKey ${join(dir, 'host_rsa')}`] : []),
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PidFile none',
    'LogLevel VERBOSE',
    // root's login shell is bash, which sources ~/.bashrc for SSH commands (slow and noisy here) unless SHLVL says it is nested
    `SetEnv SHLVL=1${opts.path !== undefined ? ` PATH=${opts.path}` : ''}`,
    `MaxSessions ${opts.maxSessions ?? 10}`,
    '',
  ].join('\n'));
  const port = await freePort();
  // sshd runs under a small sh that kills it when its stdin closes: stop() closes it, and so does the end of this
  // test process, whichever way it ends (no sshd outlives its test)
  const guard = 'sshd="$1"; shift; "$sshd" "$@" & p=$!; echo "$p"; read -r _; kill "$p" 2>/dev/null; wait "$p"';
  const proc: ChildProcess = spawn('/bin/sh', ['-c', guard, 'sh', SSHD, '-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(port), '-o', 'ListenAddress=127.0.0.1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => { log += d; });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const pid = await new Promise<number>((resolve) => {
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.once('data', (d: string) => resolve(Number(d.trim())));
  });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (log.includes(`Server listening on 127.0.0.1 port ${port}.`)) { proc.stderr!.off('data', check); resolve(); }
    };
    proc.stderr!.on('data', check);
    check();
    proc.once('exit', (code) => reject(new Error(`sshd exited with ${code}: ${log}`)));
  });
  const hostField = `[127.0.0.1]:${port}`;
  return {
    port, dir, hostKey, rsaHostKey, userKey, hostField, pid,
    knownHosts(name, lines) {
      const f = join(dir, name);
      writeFileSync(f, lines.map((l) => `${l}\n`).join(''));
      return f;
    },
    config(over = {}) {
      return {
        host: '127.0.0.1', port, user: 'root', identityFile: userKey,
        knownHosts: join(dir, 'known_hosts'), connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000, ...over,
      };
    },
    log: () => log,
    async stop() {
      proc.stdin!.end();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Ran extends SshExecResult {
  stdout: string;
}

/** Reads a stream to its end as text. */
export function readText(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => { out += d; });
    stream.once('end', () => resolve(out));
  });
}

/** Runs argv to its end (stdin: the given text, else none) and returns its stdout and result. */
export async function run(ex: Executor, argv: string[], input?: string | Buffer): Promise<Ran> {
  const p: ExecProcess = ex.spawn(argv, { stdin: input === undefined ? 'ignore' : 'pipe' });
  if (input !== undefined) p.stdin!.end(input);
  const [stdout, r] = await Promise.all([readText(p.stdout), p.exited as Promise<SshExecResult>]);
  return { stdout, ...r };
}

/** Waits until cond() holds, checking every 20 ms (at most `tries` times). */
export async function waitFor(cond: () => boolean, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached');
}
