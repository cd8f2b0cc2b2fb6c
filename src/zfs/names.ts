// Names zform creates in ZFS, each encoding its owner (job), with make/parse pairs, and OpenZFS's
// name checks (mirroring zfs_namecheck.c).
import type { Guid } from './types.js';

export const MAX_NAME_LEN = 255; // ZFS_MAX_DATASET_NAME_LEN - 1
export const MAX_HOLD_TAG_LEN = 255; // MAXNAMELEN - 1

export const STEP_HOLD_PREFIX = 'zform_STEP_J_';
export const LAST_RECEIVED_HOLD_PREFIX = 'zform_last_received_J_';
export const CURSOR_PREFIX = 'zform_CURSOR';
export const TENTATIVE_CURSOR_PREFIX = 'zform_CURSORTENTATIVE';
export const PLACEHOLDER_PROPERTY = 'zform:placeholder';

export function makeStepHoldTag(job: string): string { return STEP_HOLD_PREFIX + job; }
export function makeLastReceivedHoldTag(job: string): string { return LAST_RECEIVED_HOLD_PREFIX + job; }

/** GUID (decimal uint64 string) as 16 lowercase hex digits. */
export function guidHex(guid: Guid): string { return BigInt(guid).toString(16).padStart(16, '0'); }
export function guidFromHex(hex: string): Guid { return BigInt('0x' + hex).toString(10); }

/** Short bookmark name (after #) of the replication cursor for `guid` of job `job`. */
export function makeCursorName(guid: Guid, job: string): string { return `${CURSOR_PREFIX}_G_${guidHex(guid)}_J_${job}`; }
export function makeTentativeCursorName(guid: Guid, job: string): string { return `${TENTATIVE_CURSOR_PREFIX}_G_${guidHex(guid)}_J_${job}`; }

export type AbstractionType = 'step_hold' | 'last_received_hold' | 'cursor' | 'tentative_cursor';

export interface ParsedHoldTag { type: 'step_hold' | 'last_received_hold'; job: string }
export interface ParsedBookmarkName { type: 'cursor' | 'tentative_cursor'; guid: Guid; job: string }

/** A hold tag zform made (of any job, configured or not), or null. A tag is any text its maker chose: one whose job
 *  is no name a job could have (a control character, an escape sequence) is another tool's, and is never printed or
 *  released as zform's. */
export function parseHoldTag(tag: string): ParsedHoldTag | null {
  const made = (prefix: string) => tag.startsWith(prefix) && componentNamecheck(tag.slice(prefix.length)) === null;
  if (made(STEP_HOLD_PREFIX)) return { type: 'step_hold', job: tag.slice(STEP_HOLD_PREFIX.length) };
  if (made(LAST_RECEIVED_HOLD_PREFIX)) return { type: 'last_received_hold', job: tag.slice(LAST_RECEIVED_HOLD_PREFIX.length) };
  return null;
}

const BOOKMARK_RE = /^(zform_CURSOR|zform_CURSORTENTATIVE)_G_([0-9a-f]{16})_J_(.+)$/;
export function parseBookmarkName(short: string): ParsedBookmarkName | null {
  const m = BOOKMARK_RE.exec(short);
  if (!m) return null;
  return { type: m[1] === CURSOR_PREFIX ? 'cursor' : 'tentative_cursor', guid: guidFromHex(m[2]!), job: m[3]! };
}

// ---- OpenZFS name checks (zfs_namecheck.c) ----

const VALID_CHAR = /^[A-Za-z0-9_\-.: ]$/;

/** Why a single component (between slashes, or a snapshot/bookmark short name) is invalid, or null. */
export function componentNamecheck(c: string): string | null {
  if (c.length === 0) return 'empty component';
  if (Buffer.byteLength(c) > MAX_NAME_LEN) return 'name is too long';
  // entity_namecheck rejects these as the last component (fs@. or fs#..) as well as in the path
  if (c === '.' || c === '..') return "'.' or '..' component in name";
  for (const ch of c) {
    if (!VALID_CHAR.test(ch)) return `invalid character '${ch === '\n' ? '\\n' : ch}' in name`;
  }
  return null;
}

/** Why a dataset, snapshot (fs@s) or bookmark (fs#b) name is invalid, or null. */
export function entityNamecheck(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (Buffer.byteLength(name) > MAX_NAME_LEN) return 'name is too long';
  if (name.includes('%')) return "invalid character '%' in name";
  const at = name.indexOf('@');
  const hash = name.indexOf('#');
  if (at >= 0 && hash >= 0) return 'multiple delimiters in name';
  const delim = at >= 0 ? at : hash;
  if (delim >= 0 && name.indexOf(delim === at ? '@' : '#', delim + 1) >= 0) return 'multiple delimiters in name';
  const path = delim >= 0 ? name.slice(0, delim) : name;
  const last = delim >= 0 ? name.slice(delim + 1) : null;
  if (path.startsWith('/')) return 'leading slash in name';
  if (path.endsWith('/')) return 'trailing slash in name';
  const comps = path.split('/');
  for (const c of comps) {
    if (c === '') return 'empty component in name';
    if (c === '.' || c === '..') return "'.' or '..' component in name";
    const err = componentNamecheck(c);
    if (err) return err;
  }
  if (last !== null) {
    if (last === '') return 'empty snapshot or bookmark name';
    const err = componentNamecheck(last);
    if (err) return err;
  }
  return null;
}

/** Why a dataset name (no @ or #) is invalid, or null. */
export function datasetNamecheck(name: string): string | null {
  if (name.includes('@') || name.includes('#')) return "'@' or '#' in a dataset name";
  return entityNamecheck(name);
}

/**
 * Why a dataset name the config gives (root_fs, a filesystems pattern) is not accepted, or null: OpenZFS's rules, and
 * its pool name's first rule (it begins with a letter), and no component that begins with "-" (OpenZFS allows one
 * below the pool, but such a name reads as an option wherever it is the first word).
 */
export function configDatasetNamecheck(name: string): string | null {
  const err = datasetNamecheck(name);
  if (err) return err;
  if (!/^[A-Za-z]/.test(name)) return 'the pool name must begin with a letter';
  const dash = name.split('/').find((c) => c.startsWith('-'));
  if (dash !== undefined) return `component "${dash}" begins with "-" (it would read as an option)`;
  return null;
}
