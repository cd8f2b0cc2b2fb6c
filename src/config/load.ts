// loadConfig: reads the config file and parses it (the only config function that does I/O).
import { createHash } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { readFileAsync as readFile } from '../read-file.js';
import { ConfigError, ZformError } from '../errors.js';
import { parseConfig } from './parse.js';
import type { Config } from './types.js';

import { DEFAULT_CONFIG_PATH } from './default-path.js';
export { DEFAULT_CONFIG_PATH };

/** Reads, parses and validates `file`; `digest` is the sha256 of its bytes. */
export async function loadConfig(file: string): Promise<Config> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file'
      : (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied'
      : (err as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory'
      : err instanceof Error ? err.message : String(err);
    // the default path missing is a first run: say how to get going
    const hint = file === DEFAULT_CONFIG_PATH && reason === 'no such file'
      ? ' (create it from one of the examples in $(npm root -g)/zform/examples/, or pass -c FILE)' : '';
    throw new ZformError('config', `cannot read config ${file}: ${reason}${hint}`, { cause: err });
  }
  const uid = process.getuid?.();
  if (uid !== undefined) {
    const why = await computeConfigExposure(file, uid);
    if (why !== null) {
      throw new ZformError('config', `config ${file}: ${why}; whoever can change it decides what zform destroys and which hooks it runs: make it and its folders writable only by ${uid === 0 ? 'root' : `root or uid ${uid}`}`);
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: 'the file is not valid UTF-8 text' }]);
  }
  const config = parseConfig(text, file);
  return { ...config, digest: createHash('sha256').update(bytes).digest('hex') };
}

/** Why someone other than root and `uid` can change a file or folder, from its stat, or null. A sticky folder
 *  (/tmp) lets others add names but not replace ours, whose owners are checked in turn. Group write is accepted for
 *  root's group only, whose members could become root anyway (sudo's rule for sudoers). */
function exposure(what: string, st: Stats, uid: number): string | null {
  if (st.uid !== 0 && st.uid !== uid) return `${what} is owned by uid ${st.uid}`;
  const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
  if (sticky) return null;
  if (st.mode & 0o002) return `${what} is writable by others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  if (st.mode & 0o020 && st.gid !== 0) return `${what} is writable by its group, gid ${st.gid} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return null;
}

/**
 * Why the configuration at `file` could be changed by a user other than root and `uid` (the file, the file a link
 * points at, or a folder above either, which could replace it), or null. zform trusts its configuration as it
 * trusts root: a file another user may write is refused, as sshd refuses such an authorized_keys file and sudo
 * such a sudoers. What is not a regular file (a pipe: `-c <(...)`) is not checked.
 */
export async function computeConfigExposure(file: string, uid: number): Promise<string | null> {
  let real: string;
  let st: Stats;
  try {
    real = await fs.realpath(file);
    st = await fs.stat(real);
  } catch {
    return null; // read just now: gone meanwhile, which the read that follows reports
  }
  if (!st.isFile()) return null;
  const own = exposure(`the file ${real === path.resolve(file) ? '' : `${real} `}`.trimEnd(), st, uid);
  if (own !== null) return own;
  const folders = new Set<string>();
  for (const start of [path.dirname(path.resolve(file)), path.dirname(real)]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      folders.add(dir);
      if (path.dirname(dir) === dir) break;
    }
  }
  for (const dir of folders) {
    let ds: Stats;
    try { ds = await fs.stat(dir); } catch { continue; }
    const why = exposure(`its folder ${dir}`, ds, uid);
    if (why !== null) return why;
  }
  return null;
}
