// One apply per job at a time on this host: a lock file holding "pid since", stale when the pid is gone, in a
// folder only this user can change.
import { constants, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { LockedError, ZformError } from '../errors.js';
import { formatMode } from '../fsafe.js';

export interface LockInfo { pid: number; since: string; host: string }

/** The lock folder: $ZFORM_LOCK_DIR, else /run/lock/zform (root), else the temp dir. */
export function lockDir(env: NodeJS.ProcessEnv): string {
  if (env.ZFORM_LOCK_DIR) return env.ZFORM_LOCK_DIR;
  return process.getuid?.() === 0 ? '/run/lock/zform' : path.join(env.TMPDIR ?? '/tmp', `zform-${process.getuid?.() ?? 'user'}`);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** A lock file's content; never through a symlink (O_NOFOLLOW). */
async function readLock(file: string): Promise<LockInfo | null> {
  let fh: fs.FileHandle | null = null;
  try {
    fh = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    return JSON.parse(await fh.readFile('utf8')) as LockInfo;
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

/** `mkdir -p`, one folder at a time. Node's recursive mkdir never returns where mkdir answers ENOENT under a parent
 *  that exists (e.g. below /proc): it spun at full CPU, deaf to SIGTERM. A name that exists is left as it is. */
async function makeFolders(dir: string, mode: number): Promise<void> {
  const full = path.resolve(dir);
  let at = path.parse(full).root;
  for (const part of full.split(path.sep).filter((p) => p !== '')) {
    at = path.join(at, part);
    await fs.mkdir(at, { mode }).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
  }
}

/**
 * Creates the lock folder (0700) if needed, and refuses one that another user could have planted or can change:
 * it must be a real folder (not a symlink), owned by this user, and not writable by group or others. In a shared
 * folder such as /run/lock (1777) anyone could otherwise create zform/ first, fill it with locks that block every
 * run, or remove ours. Throws LockedError (exit 75) naming the folder and what is wrong.
 */
export async function prepareLockDir(dir: string): Promise<void> {
  await makeFolders(dir, 0o700).catch((e) => { throw new ZformError('internal', `cannot create lock folder ${dir}: ${(e as Error).message}`); });
  const st = await fs.lstat(dir);
  const uid = process.getuid?.();
  const fix = `remove it or make it a folder owned by uid ${uid ?? '?'} with mode 0700`;
  if (!st.isDirectory()) throw new LockedError(`lock folder ${dir} is not a folder (a symlink?): ${fix}`);
  if (uid !== undefined && st.uid !== uid) throw new LockedError(`lock folder ${dir} is owned by uid ${st.uid}, not this user (uid ${uid}): ${fix}`);
  const by = [...(st.mode & 0o020 ? ['its group'] : []), ...(st.mode & 0o002 ? ['others'] : [])].join(' and ');
  if (by) throw new LockedError(`lock folder ${dir} is writable by ${by} (mode ${formatMode(st.mode)}): ${fix}`);
}

/**
 * Takes the lock of `job` or throws LockedError ("job X is locked by pid N since T").
 * Atomic: the lock is written to a temp file and hard-linked into place (link fails if it exists).
 * A lock whose pid no longer runs is stale and is broken (under a breaker lock) and taken.
 */
export async function acquireJobLock(dir: string, job: string, now: Date = new Date()): Promise<() => Promise<void>> {
  await prepareLockDir(dir);
  const file = path.join(dir, `${encodeURIComponent(job)}.lock`);
  const mine: LockInfo = { pid: process.pid, since: now.toISOString(), host: 'localhost' };
  const tmp = `${file}.${process.pid}.${randomBytes(8).toString('hex')}`;
  let created = false;
  try {
    const fh = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    created = true;
    try { await fh.writeFile(JSON.stringify(mine)); } finally { await fh.close(); }
  } catch (e) {
    // a full disk, a read-only folder: one line naming the lock, not an internal error; the file removed if ours
    if (created) await fs.unlink(tmp).catch(() => undefined);
    throw new ZformError('internal', `cannot write the lock of job ${job} in ${dir}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await fs.link(tmp, file);
        return async () => {
          const cur = await readLock(file);
          if (cur && cur.pid === mine.pid && cur.since === mine.since) await fs.unlink(file).catch(() => undefined);
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const held = await readLock(file);
      if (held && alive(held.pid) && held.pid !== process.pid) {
        throw new LockedError(`job ${job} is locked by pid ${held.pid} since ${held.since}`);
      }
      // Stale (or unreadable) lock. Break it under a second lock so that two runs that both saw
      // the same stale lock cannot remove each other's fresh one.
      const breaker = `${file}.break`;
      try {
        await fs.link(tmp, breaker);
        try {
          const again = await readLock(file);
          if (JSON.stringify(again) === JSON.stringify(held)) await fs.unlink(file).catch(() => undefined);
        } finally {
          await fs.unlink(breaker).catch(() => undefined);
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const st = await fs.stat(breaker).catch(() => null);
        if (st && Date.now() - st.mtimeMs > 10_000) await fs.unlink(breaker).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const held = await readLock(file);
    throw new LockedError(`job ${job} is locked by pid ${held?.pid ?? '?'} since ${held?.since ?? '?'}`);
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}
