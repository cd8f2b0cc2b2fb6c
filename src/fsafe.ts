// Files zform writes where others may write too (--out, --metrics-file, --trace): checked before the run, then
// written to an exclusive temporary file that is fsynced and renamed over the destination (never follows a link).
// Files it reads from such places (a saved plan, the previous metrics file): only regular files, never blocking.
import { constants, promises as fs, type Stats } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { UsageError, ZformError } from './errors.js';

/** Pieces are gathered into writes of about this many characters (a plan at scale is too big for one string). */
const CHUNK = 1 << 20;

export interface SafeWriteOptions {
  /** the file's permissions (set exactly, whatever the umask) */
  mode: number;
  /** tests: the temporary file's name (default: hidden, random, never ending in the destination's extension) */
  tempName?: (file: string) => string;
  /** what the file is ("plan file"): a failure is then one line, "cannot write the plan file FILE: …" (exit 1),
   *  instead of the system error */
  what?: string;
}

function randomTempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
}

/** O_CREAT|O_EXCL|O_NOFOLLOW: a name that exists already (a file, a symlink planted there) is never opened. */
async function openExclusive(tmp: string, mode: number): Promise<fs.FileHandle> {
  return fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
}

/**
 * Writes `data` to `file`: a temporary file in the same folder, created exclusively (a few new names are tried if
 * one exists), written, chmod-ed to `mode`, fsynced, then renamed over `file`. A symlink at `file` is replaced, not
 * followed; a file someone else created there is replaced by a new one of ours. The temporary file is removed on
 * failure. Throws the system error (with `what`, one line naming the file).
 */
export async function writeFileSafely(file: string, data: string | Iterable<string>, opts: SafeWriteOptions): Promise<void> {
  if (opts.what === undefined) return writeSafely(file, data, opts);
  try {
    await writeSafely(file, data, opts);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ZformError('internal', `cannot write the ${opts.what} ${file}: ${msg}`, { cause: err });
  }
}

async function writeSafely(file: string, data: string | Iterable<string>, opts: SafeWriteOptions): Promise<void> {
  const name = opts.tempName ?? randomTempName;
  let tmp = '';
  let fh: fs.FileHandle | null = null;
  for (let attempt = 0; !fh; attempt++) {
    tmp = name(file);
    try {
      fh = await openExclusive(tmp, opts.mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 4) throw e;
    }
  }
  try {
    try {
      await fh.chmod(opts.mode);
      let buf = '';
      for (const piece of typeof data === 'string' ? [data] : data) {
        buf += piece;
        if (buf.length >= CHUNK) { await fh.writeFile(buf); buf = ''; }
      }
      if (buf) await fh.writeFile(buf);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
  // the rename itself survives a crash only once the folder is on disk (best effort: some filesystems refuse)
  const dir = await fs.open(path.dirname(file), constants.O_RDONLY | constants.O_DIRECTORY).catch(() => null);
  if (dir) { await dir.sync().catch(() => undefined); await dir.close(); }
}

/**
 * Before a run: the destination's folder exists, is a folder, and this process may create files in it; the
 * destination is not a folder. Otherwise a UsageError (exit 64) naming the option, e.g. "--out /x/p.plan: ...".
 */
export async function checkOutputFile(option: string, file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const st = await fs.stat(dir).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) {
    throw new UsageError(`${option} ${file}: ${st.code === 'ENOENT' ? `the folder ${dir} does not exist` : `cannot use the folder ${dir} (${st.code ?? st.message})`}`);
  }
  if (!st.isDirectory()) throw new UsageError(`${option} ${file}: ${dir} is not a folder`);
  try {
    await fs.access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new UsageError(`${option} ${file}: cannot create files in the folder ${dir} (${(e as NodeJS.ErrnoException).code ?? 'denied'})`);
  }
  const dest = await fs.lstat(file).catch(() => null);
  if (dest?.isDirectory()) throw new UsageError(`${option} ${file}: is a folder`);
}

/** What a name that is not a regular file is, for messages. */
function describeKind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (a named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

/**
 * The text of a file someone else may have put in place (a saved plan, the previous metrics file): a regular file
 * only, of at most `max` bytes (by default the longest string node can make). It is opened without blocking and
 * checked before it is read: a FIFO planted at the name would otherwise stop the run until someone writes to it,
 * and a device (/dev/zero, /dev/urandom) would be read without end. A file that grows while read stops at `max`.
 * Throws an Error whose message says why (e.g. "is a FIFO (a named pipe), not a regular file"), or the system error.
 */
export async function readInputFile(file: string, max: number = bufferConstants.MAX_STRING_LENGTH): Promise<string> {
  return (await readInputBytes(file, max)).toString('utf8');
}

/** readInputFile's bytes, for files longer than a string can be (a saved plan: src/json-buffer.ts); by default at
 *  most the largest Buffer node makes. */
export async function readInputBytes(file: string, max: number = bufferConstants.MAX_LENGTH): Promise<Buffer> {
  const fh = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`is ${describeKind(st)}, not a regular file`);
    const tooLarge = () => new Error(`is larger than ${max} bytes, more than zform reads`);
    if (st.size > max) throw tooLarge();
    const bytes = await readAtMost(fh, max, st.size);
    if (bytes === null) throw tooLarge();
    return bytes;
  } finally {
    await fh.close();
  }
}

/**
 * The rest of `fh` (a file, or a pipe: read to its end) in one buffer of `sizeHint` bytes and a little more (to see
 * the end), grown only when there is more: a second copy of a plan of hundreds of MB would double the peak. Null
 * when there is more than `max` bytes, found after reading at most `max` + 1.
 */
export async function readAtMost(fh: fs.FileHandle, max: number, sizeHint = 0): Promise<Buffer | null> {
  const limit = Math.min(max + 1, bufferConstants.MAX_LENGTH);
  let buf = Buffer.allocUnsafe(Math.min(sizeHint + 65536, limit));
  let total = 0;
  for (;;) {
    if (total === buf.length) {
      if (total >= limit) return null;
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limit));
      buf.copy(bigger, 0, 0, total);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, total, buf.length - total, null);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return total > max ? null : buf.subarray(0, total);
}

/** A file's permission bits as `ls -l`'s octal (`0644`, `1777`). */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Who may write a file zform trusts, for the advice after computeWriteExposure's reason. */
export function describeTrustedWriters(uid: number): string {
  return uid === 0 ? 'root' : `root or uid ${uid}`;
}

/** What computeExposure reads of a file's stat (a remote host's, from `ls -ldn`, has no Stats). */
export interface FileOwnership { uid: number; gid: number; mode: number; isDirectory(): boolean }

/** Why someone other than root and `uid` can change a file or folder, from its stat, or null. A sticky folder
 *  (/tmp) lets others add names but not replace ours, whose owners are checked in turn. Group write is accepted for
 *  root's group only, whose members could become root anyway (sudo's rule for sudoers). */
export function computeExposure(what: string, st: FileOwnership, uid: number): string | null {
  if (st.uid !== 0 && st.uid !== uid) return `${what} is owned by uid ${st.uid}`;
  const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
  if (sticky) return null;
  if (st.mode & 0o002) return `${what} is writable by others (mode ${formatMode(st.mode)})`;
  if (st.mode & 0o020 && st.gid !== 0) return `${what} is writable by its group, gid ${st.gid} (mode ${formatMode(st.mode)})`;
  return null;
}

/** What computeWriteExposure checks of `file` (absolute or from here) whose real path is `real`: the real file, then
 *  every folder above where it is named and above where it really is, nearest first (any of them could replace it).
 *  POSIX paths: a remote host's check (src/zfs/remote-exposure.ts) goes through the same list. */
export function computeCheckedPaths(file: string, real: string): string[] {
  const out = new Set<string>([real]);
  for (const start of [path.posix.dirname(path.posix.resolve(file)), path.posix.dirname(real)]) {
    for (let dir = start; ; dir = path.posix.dirname(dir)) {
      out.add(dir);
      if (path.posix.dirname(dir) === dir) break;
    }
  }
  return [...out];
}

/** How a reason names one of computeCheckedPaths: "the file" (with its real path when a link led there) or "its
 *  folder DIR". */
export function describeChecked(file: string, real: string, checked: string): string {
  if (checked !== real) return `its folder ${checked}`;
  return real === path.posix.resolve(file) ? 'the file' : `the file ${real}`;
}

/**
 * Why a file zform trusts (its configuration, a known_hosts file) could be changed by a user other than root and
 * `uid` (the file, the file a link points at, or a folder above either, which could replace it), or null. Such a
 * file is refused, as sshd refuses such an authorized_keys file and sudo such a sudoers. What is not a regular file
 * (a pipe: `-c <(...)`) is not checked.
 */
export async function computeWriteExposure(file: string, uid: number): Promise<string | null> {
  let real: string;
  let st: Stats;
  try {
    real = await fs.realpath(file);
    st = await fs.stat(real);
  } catch {
    return null; // read just now: gone meanwhile, which the read that follows reports
  }
  if (!st.isFile()) return null;
  const [, ...folders] = computeCheckedPaths(file, real);
  const own = computeExposure(describeChecked(file, real, real), st, uid);
  if (own !== null) return own;
  for (const dir of folders) {
    let ds: Stats;
    try { ds = await fs.stat(dir); } catch { continue; }
    const why = computeExposure(describeChecked(file, real, dir), ds, uid);
    if (why !== null) return why;
  }
  return null;
}
