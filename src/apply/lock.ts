// One apply per job at a time on this host: a lock file holding "pid since", stale when the pid is gone.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LockedError, ZformError } from '../errors.js';

export interface LockInfo { pid: number; since: string; host: string }

/** The lock folder: $ZFORM_LOCK_DIR, else /run/lock/zform (root), else the temp dir. */
export function lockDir(env: NodeJS.ProcessEnv): string {
  if (env.ZFORM_LOCK_DIR) return env.ZFORM_LOCK_DIR;
  return process.getuid?.() === 0 ? '/run/lock/zform' : path.join(env.TMPDIR ?? '/tmp', `zform-${process.getuid?.() ?? 'user'}`);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

async function readLock(file: string): Promise<LockInfo | null> {
  try { return JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo; } catch { return null; }
}

/**
 * Takes the lock of `job` or throws LockedError ("job X is locked by pid N since T").
 * Atomic: the lock is written to a temp file and hard-linked into place (link fails if it exists).
 * A lock whose pid no longer runs is stale and is broken (under a breaker lock) and taken.
 */
export async function acquireJobLock(dir: string, job: string, now: Date = new Date()): Promise<() => Promise<void>> {
  await fs.mkdir(dir, { recursive: true }).catch((e) => { throw new ZformError('internal', `cannot create lock folder ${dir}: ${(e as Error).message}`); });
  const file = path.join(dir, `${encodeURIComponent(job)}.lock`);
  const mine: LockInfo = { pid: process.pid, since: now.toISOString(), host: 'localhost' };
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(tmp, JSON.stringify(mine));
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
