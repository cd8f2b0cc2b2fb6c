// Helpers for real-OpenZFS test files, which run inside the QEMU guest (test/real/run): shell
// commands, pools on file vdevs in /mnt/disk, random data, and a key for the guest's sshd.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { SshConfig } from '../../src/config/types.js';

/** Thrown at the top of a real test file that runs outside the guest: real tests never skip. */
export class GuestRequiredError extends Error {
  constructor(file: string) {
    super(`${file} needs real OpenZFS: run it in the guest with test/real/run (not with node --test directly)`);
    this.name = 'GuestRequiredError';
  }
}

/** A shell command that failed: its exit code and both outputs. */
export class ShError extends Error {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  constructor(cmd: string, r: ShResult) {
    super(`command failed (exit ${r.code}): ${cmd}\n${r.stderr.trimEnd()}`);
    this.name = 'ShError';
    this.code = r.code;
    this.stdout = r.stdout;
    this.stderr = r.stderr;
  }
}

export interface ShResult {
  /** exit code, null when killed by a signal */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every real test file calls this at top level with its import.meta.url: outside the guest it throws. */
export function requireGuest(fileUrl = 'this test file'): void {
  if (process.env.ZFORM_IN_GUEST !== '1') throw new GuestRequiredError(fileUrl);
}

/** `bash -c cmd`: its code, stdout and stderr (never throws for a non-zero exit). */
export function shResult(cmd: string): Promise<ShResult> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', cmd], { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number' && err.signal == null) return reject(err);
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** `bash -c cmd` (with pipefail): its stdout; a non-zero exit throws ShError carrying stderr. */
export async function sh(cmd: string): Promise<string> {
  const r = await shResult(`set -o pipefail\n${cmd}`);
  if (r.code !== 0) throw new ShError(cmd, r);
  return r.stdout;
}

/** One shell word: safe strings stay bare (so rendered commands read naturally), others are single-quoted. */
export function q(s: string): string {
  return /^[A-Za-z0-9_@#%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A pool on a sparse file vdev in /mnt/disk. */
export interface Pool {
  name: string;
  /** the file vdev */
  vdev: string;
  /** /mnt/<name> when created mounted, else null (mountpoint=none) */
  mountpoint: string | null;
  /** a passphrase file for encrypted datasets (keyformat=passphrase, keylocation=file://...) */
  keyFile: string;
  /** `zpool destroy -f` and remove the vdev */
  destroy(): Promise<void>;
}

export interface PoolOptions {
  /** vdev size, default 256 MiB */
  sizeMiB?: number;
  /** mount the pool at /mnt/<name> (datasets inherit /mnt/<name>/...), for tests that write files */
  mounted?: boolean;
}

/** The passphrase in every pool's keyFile. */
export const TEST_PASSPHRASE = 'zform-test-passphrase';

/** The -o options of a new encryption root whose key loads from the pool's keyFile without a prompt. pbkdf2iters is
 *  OpenZFS's minimum (100,000; the default is 350,000): each create and load-key derives the key in the emulated
 *  guest, where the default's derivation takes seconds; zform never reads it. */
export function encryptionProps(pool: Pick<Pool, 'keyFile'>): Record<string, string> {
  return { encryption: 'on', keyformat: 'passphrase', keylocation: `file://${pool.keyFile}`, pbkdf2iters: '100000' };
}

/** Creates a pool; names must be unique per test file (a pool of that name left over fails loudly). */
export async function createPool(name: string, opts: PoolOptions = {}): Promise<Pool> {
  const vdev = `/mnt/disk/${name}.img`;
  const keyFile = `/mnt/disk/${name}.key`;
  const mountpoint = opts.mounted ? `/mnt/${name}` : null;
  await sh([
    `truncate -s ${opts.sizeMiB ?? 256}M ${q(vdev)}`,
    `printf %s ${q(TEST_PASSPHRASE)} > ${q(keyFile)}`,
    `zpool create -O mountpoint=${q(mountpoint ?? 'none')} -O compression=off ${q(name)} ${q(vdev)}`,
  ].join(' && '));
  return {
    name, vdev, mountpoint, keyFile,
    destroy: async () => { await sh(`zpool destroy -f ${q(name)} && rm -f ${q(vdev)} ${q(keyFile)}`); },
  };
}

/** Writes `bytes` random bytes into `path` (relative) of a mounted filesystem. */
export async function writeFile(dataset: string, path: string, bytes: number): Promise<void> {
  const mp = (await sh(`zfs get -H -o value mountpoint ${q(dataset)}`)).trim();
  if (!mp.startsWith('/') || !existsSync(mp)) throw new Error(`writeFile: ${dataset} is not mounted (mountpoint ${mp})`);
  await sh(`head -c ${bytes} /dev/urandom > ${q(`${mp}/${path}`)}`);
}

/** "2.1" or "2.3": the major.minor of the zfs userland in the guest. */
export async function zfsVersion(): Promise<string> {
  const out = await sh('zfs version');
  const m = /^zfs-(\d+\.\d+)\./m.exec(out);
  if (!m) throw new Error(`cannot read the version from zfs version: ${out}`);
  return m[1]!;
}

/** Authorizes a fresh key for root at the guest's sshd (127.0.0.1:22) and records its host keys. */
export async function sshSetup(): Promise<SshConfig & { identityFile: string }> {
  const identityFile = '/root/.ssh/zform_test_ed25519';
  const knownHosts = '/root/.ssh/zform_test_known_hosts';
  await sh([
    'mkdir -p /root/.ssh && chmod 700 /root/.ssh',
    `[ -f ${identityFile} ] || ssh-keygen -q -t ed25519 -N '' -C zform-test -f ${identityFile}`,
    `grep -qxF "$(cat ${identityFile}.pub)" /root/.ssh/authorized_keys 2>/dev/null || cat ${identityFile}.pub >> /root/.ssh/authorized_keys`,
    'chmod 600 /root/.ssh/authorized_keys',
    `[ -s ${knownHosts} ] || ssh-keyscan -T 60 -p 22 127.0.0.1 2>/dev/null > ${knownHosts}`,
    `[ -s ${knownHosts} ]`,
  ].join(' && '));
  return { host: '127.0.0.1', port: 22, user: 'root', identityFile, knownHosts, connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 };
}
